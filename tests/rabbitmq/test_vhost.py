# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rabbitmq_vhost against a real broker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

MODULE = "rabbitmq_vhost"


def test_create_noop_update_delete(rabbitmq, run_module, uid):
    name = "v-" + uid
    created = run_module(MODULE, rabbitmq.conn(name=name, description="first", tags=["b", "a"]), diff=True)
    assert created["changed"] and created["results"] == [dict(name=name, changed=True, action="create")]
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"]["description"] == "first"
    stored = rabbitmq.get("vhosts", name)
    assert stored["description"] == "first" and sorted(stored["tags"]) == ["a", "b"]

    again = run_module(MODULE, rabbitmq.conn(name=name, description="first", tags=["a", "b", "a"]))
    assert again["changed"] is False and again["results"][0]["action"] == "none"

    # An update answers 204 No Content: that is success, not an error.
    updated = run_module(MODULE, rabbitmq.conn(name=name, description="second"), diff=True)
    assert updated["changed"] and not updated.get("failed")
    assert updated["diff"]["before"]["description"] == "first"
    assert updated["diff"]["after"]["description"] == "second"
    assert updated["diff"]["after"]["tags"] == ["a", "b"]  # unset tags are kept
    assert rabbitmq.get("vhosts", name)["description"] == "second"

    deleted = run_module(MODULE, rabbitmq.conn(name=name, state="absent"), diff=True)
    assert deleted["changed"] and deleted["diff"]["after"] == {}
    assert rabbitmq.get("vhosts", name) is None
    assert run_module(MODULE, rabbitmq.conn(name=name, state="absent"))["changed"] is False


def test_check_mode_writes_nothing(rabbitmq, run_module, uid):
    name = "v-" + uid
    result = run_module(MODULE, rabbitmq.conn(name=name, description="x"), check=True, diff=True)
    assert result["changed"] and result["diff"]["after"]["description"] == "x"
    assert rabbitmq.get("vhosts", name) is None

    run_module(MODULE, rabbitmq.conn(name=name, description="x"))
    result = run_module(MODULE, rabbitmq.conn(name=name, description="y", tracing=True), check=True)
    assert result["changed"]
    stored = rabbitmq.get("vhosts", name)
    assert stored["description"] == "x" and stored["tracing"] is False

    result = run_module(MODULE, rabbitmq.conn(name=name, state="absent"), check=True)
    assert result["changed"] and rabbitmq.get("vhosts", name) is not None
    run_module(MODULE, rabbitmq.conn(name=name, state="absent"))


def test_tracing_toggle_keeps_description_and_tags(rabbitmq, run_module, uid):
    """community.rabbitmq wipes description and tags when it toggles tracing."""
    name = "v-" + uid
    run_module(MODULE, rabbitmq.conn(name=name, description="keep me", tags=["t"]))
    for tracing in (True, False):
        result = run_module(MODULE, rabbitmq.conn(name=name, tracing=tracing))
        assert result["changed"]
        stored = rabbitmq.get("vhosts", name)
        assert stored["tracing"] is tracing
        assert stored["description"] == "keep me" and stored["tags"] == ["t"]
    run_module(MODULE, rabbitmq.conn(name=name, state="absent"))


def test_slash_in_name_and_default_vhost(rabbitmq, run_module, uid):
    name = "team/" + uid
    assert run_module(MODULE, rabbitmq.conn(name=name))["changed"]
    assert rabbitmq.get("vhosts", "team%2F" + uid)["name"] == name
    assert run_module(MODULE, rabbitmq.conn(name=name, state="absent"))["changed"]
    # "/" exists on every broker: reading it needs %2F.
    assert run_module(MODULE, rabbitmq.conn(name="/"))["changed"] is False


def test_default_queue_type(rabbitmq, run_module, uid):
    name = "v-" + uid
    assert run_module(MODULE, rabbitmq.conn(name=name, default_queue_type="quorum"))["changed"]
    assert rabbitmq.get("vhosts", name)["default_queue_type"] == "quorum"
    assert run_module(MODULE, rabbitmq.conn(name=name, default_queue_type="quorum"))["changed"] is False
    version = rabbitmq.get("overview")["rabbitmq_version"]
    changed = run_module(MODULE, rabbitmq.conn(name=name, default_queue_type="classic"))
    if int(version.split(".")[0]) < 4:
        assert changed["failed"] and "fixed on RabbitMQ" in changed["msg"]
        assert rabbitmq.get("vhosts", name)["default_queue_type"] == "quorum"
    else:
        assert changed["changed"] and rabbitmq.get("vhosts", name)["default_queue_type"] == "classic"
    run_module(MODULE, rabbitmq.conn(name=name, state="absent"))


def test_list_form_converges_twenty_in_one_run(rabbitmq, run_module, uid):
    items = [dict(name="l-%s-%02d" % (uid, i), description="n%d" % i) for i in range(20)]
    started = time.time()
    created = run_module(MODULE, rabbitmq.conn(vhosts=items), diff=True)
    assert created["changed"] and [r["action"] for r in created["results"]] == ["create"] * 20
    assert sorted(created["diff"]["after"]) == sorted(i["name"] for i in items)
    assert all(rabbitmq.get("vhosts", i["name"])["description"] == i["description"] for i in items)
    again = run_module(MODULE, rabbitmq.conn(vhosts=items))
    assert again["changed"] is False and len(again["results"]) == 20
    assert time.time() - started < 30
    gone = run_module(MODULE, rabbitmq.conn(vhosts=[dict(name=i["name"], state="absent") for i in items]))
    assert [r["action"] for r in gone["results"]] == ["delete"] * 20


def test_list_form_rejects_duplicates_and_top_level_options(rabbitmq, run_module, uid):
    dup = run_module(MODULE, rabbitmq.conn(vhosts=[dict(name="d-" + uid), dict(name="d-" + uid)]))
    assert dup["failed"] and "more than once" in dup["msg"]
    stray = run_module(MODULE, rabbitmq.conn(vhosts=[dict(name="d-" + uid)], description="x"))
    assert stray["failed"] and "inside each item" in stray["msg"]
    assert rabbitmq.get("vhosts", "d-" + uid) is None


def test_bad_input_fails_before_any_request(run_module, closed_url):
    for args, text in [
        (dict(name=""), "must not be empty"),
        (dict(name="x" * 256), "longer than 255 bytes"),
        (dict(name="é" * 128), "longer than 255 bytes"),  # 256 bytes in UTF-8
        (dict(name="ok", tags={"a": 1}), "tags"),
        (dict(name="ok", default_queue_type="lazy"), "default_queue_type"),
        (dict(vhosts=[dict(name="ok"), dict(name="")]), "must not be empty"),
    ]:
        result = run_module(MODULE, dict(args, api_url=closed_url))
        assert result["failed"] and text in result["msg"], (args, result["msg"])
        assert "cannot reach" not in result["msg"]


def test_server_down_is_a_clear_error(run_module, closed_url):
    started = time.time()
    result = run_module(MODULE, dict(name="x", api_url=closed_url, api_user="a", api_password="b"))
    assert result["failed"]
    assert "cannot reach the server after 4 attempt(s)" in result["msg"] and result["msg"].startswith("x: ")
    assert time.time() - started < 20


def test_wrong_credentials_carry_the_server_reason(rabbitmq, run_module):
    result = run_module(MODULE, dict(api_url=rabbitmq.url, api_user=rabbitmq.user, api_password="wrong", name="/"))
    assert result["failed"] and result["status"] == 401 and "Login failed" in result["msg"]
    assert rabbitmq.password not in result["_stdout"]
