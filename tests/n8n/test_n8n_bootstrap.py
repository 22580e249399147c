# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""n8n_bootstrap against the real n8n, started with the owner declared the way the role declares it
(the harness already ran the same bootstrap code at start)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

import pytest

from harness import n8n as harness
from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import key_works

pytestmark = pytest.mark.slow


def args(n8n, **extra):
    result = dict(api_url=n8n.url, owner_email=n8n.owner["email"], owner_password=n8n.owner["password"])
    result.update(extra)
    return result


def test_key_is_created_once_then_reused(n8n, run_module, unique):
    label = unique("label")
    planned = run_module("n8n_bootstrap", args(n8n, api_key_label=label, api_key="not-a-key"), check=True)
    assert planned["changed"] and planned["key_created"] and planned["api_key"] is None
    created = run_module("n8n_bootstrap", args(n8n, api_key_label=label, api_key="not-a-key"))
    assert created["changed"] and created["key_created"] and "owner_created" not in created
    key = created["api_key"]
    rest = ApiClient(n8n.url, retries=0)
    assert key_works(rest, key)
    again = run_module("n8n_bootstrap", args(n8n, api_key_label=label, api_key=key))
    assert not again["changed"] and again["api_key"] is None
    assert key_works(rest, key)
    # Without a kept key a new one replaces the old one of the same label (n8n shows raw keys only once).
    replaced = run_module("n8n_bootstrap", args(n8n, api_key_label=label))
    assert replaced["key_created"] and replaced["api_key"] != key
    assert key_works(rest, replaced["api_key"]) and not key_works(rest, key)
    # The harness's own key (another label) is untouched.
    assert key_works(rest, n8n.api_key)


def test_wrong_owner_password_fails_clearly(n8n, run_module):
    result = run_module("n8n_bootstrap", args(n8n, owner_password="Wrong-Password-1"))
    assert result["failed"] and result["status"] == 401 and "/rest/login" in result["msg"]
    assert "Wrong-Password-1" not in result["_stdout"]


def test_owner_comes_from_the_role_env_and_cannot_be_claimed(n8n):
    rest = ApiClient(n8n.url, retries=0)
    settings = rest.get_json("/rest/settings")["data"]["userManagement"]
    assert settings["showSetupOnFirstLoad"] is False
    intruder = {"email": "intruder@evil.test", "password": "Intruder-Pw-1", "firstName": "I", "lastName": "X"}
    refused = rest.request("POST", "/rest/owner/setup", json_body=intruder, expected=(200, 400))
    assert refused.status_code == 400
    login = rest.request("POST", "/rest/login", expected=(200, 401), json_body={
        "emailOrLdapLoginId": intruder["email"], "password": intruder["password"]})
    assert login.status_code == 401
    owner = rest.request("POST", "/rest/login", expected=(200, 401), json_body={
        "emailOrLdapLoginId": n8n.owner["email"], "password": n8n.owner["password"]})
    assert owner.status_code == 200
    me = rest.decode(owner)["data"]
    assert me["email"] == n8n.owner["email"] and me["role"] == "global:owner"
    assert (me["firstName"], me["lastName"]) == ("Home", "Lab")  # the role's defaults reached n8n


def test_instance_without_owner_is_refused_and_left_alone(run_module):
    """A fresh n8n started without the owner variables: the module claims nothing and says what is missing."""
    state_file = os.path.join(tempfile.mkdtemp(prefix="n8n-pytest-fresh-"), "state.json")
    state = harness.start(state_file, owner_env={})
    try:
        result = run_module("n8n_bootstrap", dict(api_url=state["url"], owner_email="admin@example.test",
                                                  owner_password="Some-Password-1"))
        assert result["failed"] and "N8N_INSTANCE_OWNER_MANAGED_BY_ENV" in result["msg"]
        settings = ApiClient(state["url"], retries=0).get_json("/rest/settings")["data"]["userManagement"]
        assert settings["showSetupOnFirstLoad"] is True
    finally:
        harness.stop(state_file)
