# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RabbitMQ client: pure compare/hash functions and the converge logic over a fake client.

The fake answers the way the management API does (reference: GET absent -> None,
users carry password_hash + hashing_algorithm, 3.10 vhosts report "undefined").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib

import pytest

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._rabbitmq import (
    converge_permission,
    converge_policy,
    converge_user,
    converge_vhost,
    desired_vhost,
    name_problem,
    password_matches,
    quote_name,
    regex_problem,
    tag_list,
    version_tuple,
    vhost_body,
    vhost_state,
)

# Stored by RabbitMQ 3.10.8 for password "unit-test-pw" (PUT /api/users/hashprobe, then GET).
LIVE_HASH = "UWcIf1EZyERcpvudSpoQsud7KHLA+pPvjn/x/6YzEdhTPtQU"
SHA256 = "rabbit_password_hashing_sha256"


def salted(function, password, salt=b"\x01\x02\x03\x04"):
    return base64.b64encode(salt + function(salt + password.encode("utf-8")).digest()).decode()


def test_password_matches_a_hash_stored_by_rabbitmq():
    assert password_matches("unit-test-pw", LIVE_HASH, SHA256)
    assert not password_matches("unit-test-pX", LIVE_HASH, SHA256)


@pytest.mark.parametrize("algorithm,function", [
    ("rabbit_password_hashing_sha256", hashlib.sha256),
    ("rabbit_password_hashing_sha512", hashlib.sha512),
    ("rabbit_password_hashing_md5", hashlib.md5),
])
def test_password_matches_each_algorithm(algorithm, function):
    stored = salted(function, "pässword")
    assert password_matches("pässword", stored, algorithm)
    assert not password_matches("password", stored, algorithm)


def test_password_mismatch_cases():
    assert not password_matches("x", "", SHA256)  # user without password
    assert not password_matches("x", "not base64!", SHA256)
    assert not password_matches("x", salted(hashlib.sha256, "x"), "rabbit_password_hashing_sha3")
    # sha256 bytes labelled md5 (the API stores such a label blindly) never match.
    assert not password_matches("x", salted(hashlib.sha256, "x"), "rabbit_password_hashing_md5")


def test_names_and_regexes():
    assert name_problem("vhost name", "") == "vhost name must not be empty"
    assert name_problem("vhost name", "a" * 255) is None
    assert "longer than 255 bytes" in name_problem("vhost name", "ä" * 128)
    assert regex_problem("read", "^XMPP_.*") is None
    assert "not a valid regular expression" in regex_problem("read", "(")
    assert quote_name("/") == "%2F" and quote_name("a/b c") == "a%2Fb%20c"


def test_tags_and_versions():
    assert tag_list(["b", "a", "b"]) == ["a", "b"]
    assert tag_list("administrator,monitoring") == ["administrator", "monitoring"]
    assert tag_list(None) == [] and tag_list("") == []
    assert version_tuple("3.10.8") == (3, 10, 8) and version_tuple("4.1.4+rc.1") == (4, 1, 4)
    assert version_tuple(None) == (0, 0, 0)


def test_vhost_state_from_310_and_4x():
    v310 = {"name": "x", "description": "d", "tags": ["t"], "default_queue_type": "undefined",
            "metadata": {"description": "d", "tags": ["t"]}, "tracing": False}
    assert vhost_state(v310) == dict(description="d", tags=["t"], default_queue_type="classic", tracing=False)
    v4 = {"name": "x", "metadata": {"description": "m", "tags": [], "default_queue_type": "quorum"}, "tracing": True}
    assert vhost_state(v4) == dict(description="m", tags=[], default_queue_type="quorum", tracing=True)


def test_desired_vhost_keeps_unset_options_and_body_carries_everything():
    current = dict(description="keep", tags=["a"], default_queue_type="quorum", tracing=False)
    wanted = desired_vhost(dict(description=None, tags=None, default_queue_type=None, tracing=True), current)
    assert wanted == dict(description="keep", tags=["a"], default_queue_type="quorum", tracing=True)
    body = vhost_body(wanted)
    assert body == {"description": "keep", "tags": "a", "tracing": True,
                    "default_queue_type": "quorum", "defaultqueuetype": "quorum"}
    fresh = vhost_body(desired_vhost(dict(description=None, tags=None, default_queue_type=None, tracing=None), None))
    assert fresh == {"description": "", "tags": "", "tracing": False}


class FakeApi:
    """Records writes; GET answers from `objects` keyed by the path parts."""

    def __init__(self, objects=None, version=(4, 1, 4), put_error=None):
        self.objects = objects or {}
        self.writes = []
        self._version = version
        self.put_error = put_error

    def version(self):
        return self._version

    def get(self, *parts):
        return self.objects.get(parts)

    def put(self, body, *parts):
        if self.put_error:
            raise self.put_error
        self.writes.append(("PUT", parts, body))

    def delete(self, *parts):
        self.writes.append(("DELETE", parts, None))


def user_item(**kwargs):
    item = dict(name="u", password=None, update_password="on_create", tags=None, state="present")
    item.update(kwargs)
    return item


def existing_user(password="secret", tags=("management",)):
    return {("users", "u"): {"name": "u", "password_hash": salted(hashlib.sha256, password),
                             "hashing_algorithm": SHA256, "tags": list(tags)}}


def test_user_tags_only_change_sends_the_stored_hash_back():
    api = FakeApi(existing_user())
    outcome = converge_user(api, user_item(password="other", tags=["monitoring"]), False)
    assert outcome.changed and outcome.action == "update"
    (method, parts, body), = api.writes
    assert body == {"password_hash": existing_user()[("users", "u")]["password_hash"],
                    "hashing_algorithm": SHA256, "tags": "monitoring"}
    assert "password" not in body


def test_user_always_is_idempotent_when_the_hash_matches():
    api = FakeApi(existing_user())
    outcome = converge_user(api, user_item(password="secret", update_password="always", tags=["management"]), False)
    assert not outcome.changed and api.writes == []


def test_user_always_sets_a_new_password():
    api = FakeApi(existing_user())
    outcome = converge_user(api, user_item(password="new", update_password="always"), False)
    assert outcome.changed and outcome.after == {"tags": ["management"], "password": "<hidden, new>"}
    assert api.writes == [("PUT", ("users", "u"), {"password": "new", "tags": "management"})]


def test_user_every_put_carries_a_password_or_hash_and_check_mode_writes_nothing():
    for objects, item in [
        ({}, user_item(password="p")),
        ({}, user_item()),
        (existing_user(), user_item(tags=[])),
        (existing_user(), user_item(password="x", update_password="always")),
    ]:
        api = FakeApi(objects)
        assert converge_user(api, item, False).changed
        body = api.writes[0][2]
        assert ("password" in body) != ("password_hash" in body), body
        checked = FakeApi(objects)
        assert converge_user(checked, item, True).changed and checked.writes == []


def test_user_state_never_holds_secrets():
    api = FakeApi(existing_user())
    outcome = converge_user(api, user_item(password="other", update_password="always"), False)
    text = repr((outcome.before, outcome.after))
    assert "other" not in text and existing_user()[("users", "u")]["password_hash"] not in text


def vhost_item(**kwargs):
    item = dict(name="v", state="present", description=None, tags=None, default_queue_type=None, tracing=None)
    item.update(kwargs)
    return item


def test_vhost_default_queue_type_is_fixed_before_4():
    stored = {("vhosts", "v"): {"name": "v", "description": "", "tags": [], "default_queue_type": "quorum",
                                "tracing": False}}
    api = FakeApi(stored, version=(3, 10, 8))
    with pytest.raises(ApiError) as info:
        converge_vhost(api, vhost_item(default_queue_type="classic"), False)
    assert "fixed on RabbitMQ 3.10.8" in str(info.value) and api.writes == []
    api4 = FakeApi(stored)
    assert converge_vhost(api4, vhost_item(default_queue_type="classic"), False).changed
    assert api4.writes[0][2]["defaultqueuetype"] == "classic"


def test_vhost_noop_delete_and_check_mode():
    stored = {("vhosts", "v"): {"name": "v", "description": "d", "tags": ["t"], "tracing": False}}
    api = FakeApi(stored)
    assert not converge_vhost(api, vhost_item(description="d"), False).changed and api.writes == []
    assert converge_vhost(api, vhost_item(state="absent"), True).changed and api.writes == []
    assert converge_vhost(api, vhost_item(state="absent"), False).action == "delete"
    assert api.writes == [("DELETE", ("vhosts", "v"), None)]
    assert not converge_vhost(FakeApi(), vhost_item(state="absent"), False).changed


def test_permission_missing_vhost_or_user_is_explained():
    error = ApiError("unexpected answer", status=400, reason="vhost_or_user_not_found; bad_request",
                     method="PUT", url="u")
    api = FakeApi(put_error=error)
    item = dict(user="n8n", vhost="xmpp", configure="^$", write="^$", read=".*", state="present")
    with pytest.raises(ApiError) as info:
        converge_permission(api, item, False)
    assert "vhost 'xmpp' or user 'n8n' does not exist" in str(info.value) and info.value.status == 400


def test_policy_compares_definitions_regardless_of_key_order():
    stored = {("policies", "/", "p"): {"vhost": "/", "name": "p", "pattern": "^a", "apply-to": "queues",
                                       "definition": {"b": 1, "a": {"x": 1, "y": 2}}, "priority": 0}}
    item = dict(name="p", vhost="/", pattern="^a", apply_to="queues", definition={"a": {"y": 2, "x": 1}, "b": 1},
                priority=0, state="present")
    api = FakeApi(stored)
    assert not converge_policy(api, item, False).changed
    outcome = converge_policy(api, dict(item, priority=2), False)
    assert outcome.changed and api.writes[0][2] == {"pattern": "^a", "apply-to": "queues", "priority": 2,
                                                    "definition": {"a": {"y": 2, "x": 1}, "b": 1}}
