# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""rabbitmq_user against a real broker."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MODULE = "rabbitmq_user"


def test_create_noop_and_always_stays_idempotent(rabbitmq, run_module, uid):
    name, password = "u-" + uid, "pw-one-" + uid
    created = run_module(MODULE, rabbitmq.conn(name=name, password=password, tags=["monitoring"]), diff=True)
    assert created["changed"] and created["results"][0]["action"] == "create"
    assert created["diff"]["after"] == {"tags": ["monitoring"], "password": "<hidden, new>"}
    assert rabbitmq.login_status(name, password) == 200
    stored_hash = rabbitmq.get("users", name)["password_hash"]

    again = run_module(MODULE, rabbitmq.conn(name=name, password=password, update_password="always",
                                             tags=["monitoring"]))
    assert again["changed"] is False
    # No re-salting PUT happened: the stored hash is the same.
    assert rabbitmq.get("users", name)["password_hash"] == stored_hash
    for result in (created, again):
        assert password not in result["_stdout"] and stored_hash not in result["_stdout"]


def test_tags_only_change_keeps_the_password(rabbitmq, run_module, uid):
    """community.rabbitmq overwrites the password when only the tags change.

    Logging in to the management API (/api/whoami) needs the management tag, so every tag set here has it.
    """
    name, password = "u-" + uid, "pw-keep-" + uid
    run_module(MODULE, rabbitmq.conn(name=name, password=password, tags=["management"]))
    assert rabbitmq.login_status(name, password) == 200
    # A different password with update_password=on_create must not be applied either.
    result = run_module(MODULE, rabbitmq.conn(name=name, password="other", tags=["management", "monitoring"]),
                        diff=True)
    assert result["changed"] and result["results"][0]["action"] == "update"
    assert result["diff"]["before"] == {"tags": ["management"], "password": "<hidden>"}
    assert result["diff"]["after"] == {"tags": ["management", "monitoring"], "password": "<hidden>"}
    assert sorted(rabbitmq.get("users", name)["tags"]) == ["management", "monitoring"]
    assert rabbitmq.login_status(name, password) == 200
    assert rabbitmq.login_status(name, "other") == 401
    # Tags without any password option keep it too.
    assert run_module(MODULE, rabbitmq.conn(name=name, tags=["management"]))["changed"]
    assert rabbitmq.login_status(name, password) == 200


def test_update_password_always_changes_it(rabbitmq, run_module, uid):
    name = "u-" + uid
    run_module(MODULE, rabbitmq.conn(name=name, password="old-" + uid, tags=["management"]))
    assert rabbitmq.login_status(name, "old-" + uid) == 200
    result = run_module(MODULE, rabbitmq.conn(name=name, password="new-" + uid, update_password="always"), diff=True)
    assert result["changed"] and result["diff"]["after"]["password"] == "<hidden, new>"
    assert rabbitmq.login_status(name, "new-" + uid) == 200
    assert rabbitmq.login_status(name, "old-" + uid) == 401
    assert "new-" + uid not in result["_stdout"] and "old-" + uid not in result["_stdout"]


def test_check_mode_writes_nothing(rabbitmq, run_module, uid):
    name = "u-" + uid
    result = run_module(MODULE, rabbitmq.conn(name=name, password="pw-" + uid), check=True)
    assert result["changed"] and rabbitmq.get("users", name) is None
    run_module(MODULE, rabbitmq.conn(name=name, password="pw-" + uid))
    before = rabbitmq.get("users", name)
    result = run_module(MODULE, rabbitmq.conn(name=name, password="x", update_password="always", tags=["a"]),
                        check=True)
    assert result["changed"] and rabbitmq.get("users", name) == before
    assert run_module(MODULE, rabbitmq.conn(name=name, state="absent"), check=True)["changed"]
    assert rabbitmq.get("users", name) == before


def test_delete_and_list_form(rabbitmq, run_module, uid):
    users = [dict(name="ul-%s-%d" % (uid, i), password="p%d-%s" % (i, uid), tags=["management", "t%d" % i])
             for i in range(5)]
    created = run_module(MODULE, rabbitmq.conn(users=users))
    assert [r["action"] for r in created["results"]] == ["create"] * 5
    assert all(rabbitmq.login_status(u["name"], u["password"]) == 200 for u in users)
    assert run_module(MODULE, rabbitmq.conn(users=[dict(u, update_password="always") for u in users]))["changed"] is False
    assert all(u["password"] not in created["_stdout"] for u in users)
    gone = run_module(MODULE, rabbitmq.conn(users=[dict(name=u["name"], state="absent") for u in users]), diff=True)
    assert [r["action"] for r in gone["results"]] == ["delete"] * 5 and gone["diff"]["after"] == {}
    assert all(rabbitmq.get("users", u["name"]) is None for u in users)


def test_user_without_password(rabbitmq, run_module, uid):
    name = "u-" + uid
    result = run_module(MODULE, rabbitmq.conn(name=name, tags=["monitoring"]), diff=True)
    assert result["changed"] and result["diff"]["after"]["password"] == "<none>"
    assert rabbitmq.get("users", name)["password_hash"] == ""
    assert run_module(MODULE, rabbitmq.conn(name=name, tags=["monitoring"]))["changed"] is False
    assert run_module(MODULE, rabbitmq.conn(name=name, state="absent"))["changed"]


def test_bad_input_fails_before_any_request(run_module, closed_url):
    for args, text in [
        (dict(name=""), "must not be empty"),
        (dict(name="u" * 300), "longer than 255 bytes"),
        (dict(name="ok", tags={"x": "y"}), "tags"),
        (dict(name="ok", update_password="sometimes"), "update_password"),
        (dict(users=[dict(name="a"), dict(name="a")]), "more than once"),
    ]:
        result = run_module(MODULE, dict(args, api_url=closed_url))
        assert result["failed"] and text in result["msg"], (args, result["msg"])


def test_password_never_in_output_on_failure(run_module, closed_url):
    secret = "s3cret-never-shown"
    result = run_module(MODULE, dict(name="x", password=secret, api_url=closed_url, api_password=secret + "2"))
    assert result["failed"] and "cannot reach" in result["msg"]
    assert secret not in result["_stdout"]
