# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""n8n_bootstrap against the real n8n (the harness already ran the same bootstrap code at start)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

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
    assert created["changed"] and created["key_created"] and not created["owner_created"]
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
