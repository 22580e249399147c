# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rabbitmq_policy against a real broker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

MODULE = "rabbitmq_policy"


@pytest.fixture
def vhost(rabbitmq, run_module, uid):
    name = "pol-" + uid
    run_module("rabbitmq_vhost", rabbitmq.conn(name=name))
    yield name
    run_module("rabbitmq_vhost", rabbitmq.conn(name=name, state="absent"))


def test_create_noop_update_delete(rabbitmq, run_module, vhost):
    args = dict(name="dlx", vhost=vhost, pattern="^XMPP_.*_OUT_", apply_to="queues",
                definition={"dead-letter-exchange": "", "dead-letter-routing-key": "XMPP_DEAD_LETTER"})
    created = run_module(MODULE, rabbitmq.conn(**args), diff=True)
    assert created["changed"] and created["results"][0] == dict(name=vhost + "/dlx", changed=True, action="create")
    assert created["diff"]["after"]["definition"]["dead-letter-routing-key"] == "XMPP_DEAD_LETTER"
    stored = rabbitmq.get("policies", vhost, "dlx")
    assert stored["apply-to"] == "queues" and stored["definition"] == args["definition"] and stored["priority"] == 0
    assert run_module(MODULE, rabbitmq.conn(**args))["changed"] is False

    updated = run_module(MODULE, rabbitmq.conn(**dict(args, priority=5, definition={"max-length": 10})), diff=True)
    assert updated["changed"] and updated["diff"]["before"]["priority"] == 0
    stored = rabbitmq.get("policies", vhost, "dlx")
    assert stored["priority"] == 5 and stored["definition"] == {"max-length": 10}

    assert run_module(MODULE, rabbitmq.conn(name="dlx", vhost=vhost, state="absent"))["changed"]
    assert rabbitmq.get("policies", vhost, "dlx") is None
    assert run_module(MODULE, rabbitmq.conn(name="dlx", vhost=vhost, state="absent"))["changed"] is False


def test_check_mode_and_list_form(rabbitmq, run_module, vhost):
    items = [dict(name="p%d" % i, vhost=vhost, pattern="^q%d$" % i, definition={"max-length": i + 1}) for i in range(4)]
    checked = run_module(MODULE, rabbitmq.conn(policies=items), check=True, diff=True)
    assert checked["changed"] and sorted(checked["diff"]["after"]) == ["%s/p%d" % (vhost, i) for i in range(4)]
    assert rabbitmq.get("policies", vhost) == []
    assert run_module(MODULE, rabbitmq.conn(policies=items))["changed"]
    assert len(rabbitmq.get("policies", vhost)) == 4
    assert run_module(MODULE, rabbitmq.conn(policies=items))["changed"] is False


def test_server_rejects_unknown_keys_with_its_reason(rabbitmq, run_module, vhost):
    result = run_module(MODULE, rabbitmq.conn(name="bad", vhost=vhost, pattern=".*", definition={"no-such-key": 1}))
    assert result["failed"] and result["status"] == 400 and "not recognised" in result["msg"]


def test_bad_input_fails_before_any_request(run_module, closed_url):
    for args, text in [
        (dict(name="p", pattern="(", definition={}), "not a valid regular expression"),
        (dict(name="p", pattern=".*"), "definition"),
        (dict(name="p", definition={"a": 1}), "pattern"),
        (dict(name="", pattern=".*", definition={}), "must not be empty"),
        (dict(name="p", pattern=".*", definition={}, apply_to="topics"), "apply_to"),
        (dict(policies=[dict(name="p", vhost="v", state="absent"), dict(name="p", vhost="v", state="absent")]),
         "more than once"),
        (dict(policies=[dict(name="p", pattern=".*")]), "definition"),
    ]:
        result = run_module(MODULE, dict(args, api_url=closed_url))
        assert result["failed"] and text in result["msg"], (args, result["msg"])
        assert "cannot reach" not in result["msg"]
