# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions of the Openfire client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.homelab.llm_stack.plugins.module_utils._openfire import (
    WILDCARD_PROPERTY,
    desired_group,
    desired_user,
    group_body,
    localpart_error,
    normalize_jid,
    openfire_reason,
    property_view,
    user_body,
    user_view,
)


class FakeResponse:
    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body
        self.text = "" if body is None else str(body)
        self.reason = "Reason"

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body


@pytest.mark.parametrize("name", ["alice", "bot-1", "d.e_f", "Ünïcode"])
def test_valid_localparts(name):
    assert localpart_error(name) is None


@pytest.mark.parametrize("name,reason", [("", "empty"), ("a b", "' '"), ("a@b", "'@'"), ("a/b", "'/'"),
                                         ("a:b", "':'"), ("a<b>", "'<'"), ("x" * 1024, "longer")])
def test_invalid_localparts(name, reason):
    assert reason in localpart_error(name)


def test_normalize_jid():
    assert normalize_jid("Alice", "Example.org") == "alice@example.org"
    assert normalize_jid("Bob@Other.org/phone", "example.org") == "bob@other.org"


def test_user_view_and_desired_user():
    current = user_view({"username": "Alice", "name": "", "properties": [{"key": "k", "value": "v"}]}, ["b", "a"])
    assert current == {"username": "alice", "name": "", "email": None, "properties": {"k": "v"}, "groups": ["a", "b"]}
    item = {"username": "ALICE", "name": None, "email": None, "properties": None, "groups": ["c"], "groups_mode": "add"}
    assert desired_user(current, item)["groups"] == ["a", "b", "c"]
    assert desired_user(current, dict(item, groups_mode="exact"))["groups"] == ["c"]
    assert desired_user(current, dict(item, properties={"n": 1}))["properties"] == {"n": "1"}
    assert desired_user(current, dict(item, groups=None)) == current


def test_user_body_always_carries_properties():
    body = user_body({"username": "a", "name": "", "email": None, "properties": {}, "groups": []})
    assert body == {"username": "a", "properties": []}
    full = user_body({"username": "a", "name": "A", "email": "a@x", "properties": {"z": "1", "b": "2"}, "groups": []},
                     "pw")
    assert full["properties"] == [{"key": "b", "value": "2"}, {"key": "z", "value": "1"}] and full["password"] == "pw"


def test_desired_group_keeps_unset_fields():
    current = {"name": "g", "description": "d", "members": ["a@x"], "admins": ["b@x"], "shared": True}
    item = {"name": "g", "description": None, "members": ["C"], "admins": None, "shared": None}
    wanted = desired_group(current, item, "x")
    assert wanted == {"name": "g", "description": "d", "members": ["c@x"], "admins": ["b@x"], "shared": True}
    assert set(group_body(wanted)) == {"name", "description", "members", "admins", "shared"}
    created = desired_group(None, dict(item, members=None), "x")
    assert created["members"] == [] and created["admins"] == [] and created["shared"] is False


def test_property_view_masks_secrets():
    assert property_view("plugin.restapi.secret", "s3")["value"] == "********"
    assert property_view("xmpp.domain", "example.org")["value"] == "example.org"
    assert property_view("x", None) is None


def test_reasons():
    assert WILDCARD_PROPERTY in openfire_reason(FakeResponse(302))
    assert "api_secret" in openfire_reason(FakeResponse(401))
    assert "plugin.restapi.enabled" in openfire_reason(FakeResponse(403))
    assert openfire_reason(FakeResponse(404, {"resource": "a", "message": "Could not get user",
                                              "exception": "UserNotFoundException"})) \
        == "Could not get user; UserNotFoundException"
