# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real n8n 2.41.1 for the n8n_* module tests (tests/harness/n8n.py), started once per session.

Set N8N_API_URL and N8N_API_KEY to test against a running n8n instead. The community node comes from
the tarball in $N8N_XMPP_NODE_TGZ (else $LLM_STACK_CACHE/n8n-nodes-xmpp-<version>.tgz); without it the stand-in (tests/n8n/standin_xmpp_node) provides the
same node and credential types, and tests that need the real node are skipped with a reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
import uuid

import pytest

from harness import n8n as harness
from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import AUTH_COOKIE, _auth_cookie


class Server:
    def __init__(self, url, api_key, owner, xmpp_node):
        self.url = url
        self.api_key = api_key
        self.owner = owner
        self.xmpp_node = xmpp_node
        self.api = ApiClient(url + "/api/v1", headers={"X-N8N-API-KEY": api_key}, retries=0)
        self._rest = None

    def conn(self, **args):
        result = dict(api_url=self.url, api_key=self.api_key)
        result.update(args)
        return result

    def list(self, what, **params):
        params.setdefault("limit", 250)
        return self.api.get_json("/" + what, params=params)["data"]

    def named(self, what, name):
        return [o for o in self.list(what) if o["name"] == name]

    def get(self, path):
        return self.api.get_json(path)

    def rest(self, path):
        """GET on the internal REST API as the owner (e.g. credential data without passwords)."""
        if self._rest is None:
            self._rest = ApiClient(self.url, retries=0)
            response = self._rest.request("POST", "/rest/login", json_body={
                "emailOrLdapLoginId": self.owner["email"], "password": self.owner["password"]})
            self._rest.session.headers["Cookie"] = "%s=%s" % (AUTH_COOKIE, _auth_cookie(response))
        return self._rest.get_json(path)


@pytest.fixture(scope="session")
def n8n():
    if os.environ.get("N8N_API_URL") and os.environ.get("N8N_API_KEY"):
        yield Server(os.environ["N8N_API_URL"].rstrip("/"), os.environ["N8N_API_KEY"],
                     {"email": os.environ.get("N8N_OWNER_EMAIL"), "password": os.environ.get("N8N_OWNER_PASSWORD")},
                     os.environ.get(harness.XMPP_NODE_TGZ_ENV) and "real")
        return
    tgz = os.environ.get(harness.XMPP_NODE_TGZ_ENV) or (
        harness.CACHED_XMPP_NODE if os.path.isfile(harness.CACHED_XMPP_NODE) else None)
    state_file = os.path.join(tempfile.mkdtemp(prefix="n8n-pytest-"), "state.json")
    state = harness.start(state_file, tgz or harness.STANDIN_XMPP_NODE)
    try:
        yield Server(state["url"], state["api_key"], state["owner"], state["xmpp_node"])
    finally:
        harness.stop(state_file)


@pytest.fixture
def unique():
    """A name no other test uses."""
    return lambda prefix="t": "%s-%s" % (prefix, uuid.uuid4().hex[:10])
