# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rabbitmq_permission against a real broker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

MODULE = "rabbitmq_permission"


@pytest.fixture
def pair(rabbitmq, run_module, uid):
    """A vhost and a user that exist, removed afterwards."""
    vhost, user = "pv-" + uid, "pu-" + uid
    run_module("rabbitmq_vhost", rabbitmq.conn(name=vhost))
    run_module("rabbitmq_user", rabbitmq.conn(name=user, password="pw-" + uid))
    yield vhost, user
    run_module("rabbitmq_vhost", rabbitmq.conn(name=vhost, state="absent"))
    run_module("rabbitmq_user", rabbitmq.conn(name=user, state="absent"))


def test_create_noop_update_delete(rabbitmq, run_module, pair):
    vhost, user = pair
    args = dict(user=user, vhost=vhost, configure="^XMPP_.*", write="^XMPP_.*", read=".*")
    created = run_module(MODULE, rabbitmq.conn(**args), diff=True)
    assert created["changed"] and created["results"] == [dict(name="%s/%s" % (vhost, user), changed=True,
                                                              action="create")]
    assert created["diff"] == dict(before={}, after=dict(configure="^XMPP_.*", write="^XMPP_.*", read=".*"))
    assert rabbitmq.get("permissions", vhost, user)["configure"] == "^XMPP_.*"
    assert run_module(MODULE, rabbitmq.conn(**args))["changed"] is False

    updated = run_module(MODULE, rabbitmq.conn(**dict(args, read="^$")), diff=True)
    assert updated["changed"] and updated["diff"]["before"]["read"] == ".*" and updated["diff"]["after"]["read"] == "^$"
    assert rabbitmq.get("permissions", vhost, user)["read"] == "^$"

    assert run_module(MODULE, rabbitmq.conn(user=user, vhost=vhost, state="absent"), check=True)["changed"]
    assert rabbitmq.get("permissions", vhost, user) is not None
    assert run_module(MODULE, rabbitmq.conn(user=user, vhost=vhost, state="absent"))["changed"]
    assert rabbitmq.get("permissions", vhost, user) is None
    assert run_module(MODULE, rabbitmq.conn(user=user, vhost=vhost, state="absent"))["changed"] is False


def test_defaults_grant_nothing_and_check_mode(rabbitmq, run_module, pair):
    vhost, user = pair
    result = run_module(MODULE, rabbitmq.conn(user=user, vhost=vhost), check=True, diff=True)
    assert result["changed"] and result["diff"]["after"] == dict(configure="^$", write="^$", read="^$")
    assert rabbitmq.get("permissions", vhost, user) is None
    assert run_module(MODULE, rabbitmq.conn(user=user, vhost=vhost))["changed"]
    assert rabbitmq.get("permissions", vhost, user)["write"] == "^$"


def test_list_form_keys_on_vhost_and_user(rabbitmq, run_module, pair, uid):
    vhost, user = pair
    items = [dict(user=user, vhost=vhost, read=".*"), dict(user=user, vhost="/", read="^amq\\.")]
    result = run_module(MODULE, rabbitmq.conn(permissions=items))
    assert [r["name"] for r in result["results"]] == ["%s/%s" % (vhost, user), "//%s" % user]
    assert rabbitmq.get("permissions", "%2F", user)["read"] == "^amq\\."
    assert run_module(MODULE, rabbitmq.conn(permissions=items))["changed"] is False
    dup = run_module(MODULE, rabbitmq.conn(permissions=[dict(user=user, vhost=vhost), dict(user=user, vhost=vhost)]))
    assert dup["failed"] and "more than once" in dup["msg"]


def test_missing_vhost_or_user_is_a_clear_failure(rabbitmq, run_module, uid):
    result = run_module(MODULE, rabbitmq.conn(user="nobody-" + uid, vhost="novhost-" + uid, read=".*"))
    assert result["failed"] and result["status"] == 400
    assert "does not exist" in result["msg"] and "nobody-" + uid in result["msg"]


def test_bad_input_fails_before_any_request(run_module, closed_url):
    for args, text in [
        (dict(user="u", configure="(unclosed"), "not a valid regular expression"),
        (dict(user="u", write="[a-"), "not a valid regular expression"),
        (dict(user="", read=".*"), "must not be empty"),
        (dict(user="u", vhost="v" * 256), "longer than 255 bytes"),
        (dict(permissions=[dict(user="u", read="*bad")]), "not a valid regular expression"),
    ]:
        result = run_module(MODULE, dict(args, api_url=closed_url))
        assert result["failed"] and text in result["msg"], (args, result["msg"])
