# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openfire_user against the REST API stand-in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from openfire_support import SECRET, writes

from standins.openfire import OpenfireStandin, WILDCARD

PASSWORD = "alice-password-8c1d"


def user(conn, **kwargs):
    args = dict(conn)
    args.update(kwargs)
    return args


def test_create_noop_update_delete(openfire, conn, run_module):
    args = user(conn, username="alice", password=PASSWORD, name="Alice", email="alice@example.org",
                properties={"team": "lab"}, groups=["humans"])
    first = run_module("openfire_user", args)
    assert first["changed"] and first["results"][0]["action"] == "create"
    stored = openfire.state.users["alice"]
    assert (stored["password"], stored["name"], stored["email"]) == (PASSWORD, "Alice", "alice@example.org")
    assert stored["properties"] == {"team": "lab"}
    assert openfire.state.groups["humans"]["members"] == ["alice@example.org"]

    count = len(writes(openfire))
    second = run_module("openfire_user", args)
    assert not second["changed"] and second["results"][0]["action"] == "none"
    assert len(writes(openfire)) == count

    third = run_module("openfire_user", user(conn, username="alice", email="alice@lab.example"))
    assert third["changed"] and third["results"][0]["action"] == "update"
    assert openfire.state.users["alice"]["email"] == "alice@lab.example"
    # The plugin wipes properties on a PUT without them: the module must have sent them back.
    assert openfire.state.users["alice"]["properties"] == {"team": "lab"}
    assert openfire.state.users["alice"]["password"] == PASSWORD

    gone = run_module("openfire_user", user(conn, username="alice", state="absent"))
    assert gone["changed"] and gone["results"][0]["action"] == "delete"
    assert "alice" not in openfire.state.users
    assert not run_module("openfire_user", user(conn, username="alice", state="absent"))["changed"]


def test_check_mode_writes_nothing(openfire, conn, run_module):
    result = run_module("openfire_user", user(conn, username="bob", password="pw-bob-1", groups=["g"]),
                        check=True, diff=True)
    assert result["changed"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["username"] == "bob"
    assert "bob" not in openfire.state.users and not openfire.state.groups
    assert writes(openfire) == []

    run_module("openfire_user", user(conn, username="bob", password="pw-bob-1"))
    count = len(writes(openfire))
    result = run_module("openfire_user", user(conn, username="bob", name="Bob", state="present"), check=True)
    assert result["changed"]
    assert openfire.state.users["bob"]["name"] is None
    result = run_module("openfire_user", user(conn, username="bob", state="absent"), check=True)
    assert result["changed"] and "bob" in openfire.state.users
    assert len(writes(openfire)) == count


def test_diff_shows_changes_without_password(openfire, conn, run_module):
    run_module("openfire_user", user(conn, username="carol", password="pw-carol-77", properties={"a": "1"}))
    result = run_module("openfire_user", user(conn, username="carol", password="pw-carol-77", name="Carol",
                                              properties={"b": "2"}), diff=True)
    assert result["diff"]["before"]["properties"] == {"a": "1"}
    assert result["diff"]["after"]["properties"] == {"b": "2"}
    assert result["diff"]["before"]["name"] == "" and result["diff"]["after"]["name"] == "Carol"
    assert openfire.state.users["carol"]["properties"] == {"b": "2"}
    assert "pw-carol-77" not in result["_stdout"] and SECRET not in result["_stdout"]


def test_usernames_are_lowercased(openfire, conn, run_module):
    result = run_module("openfire_user", user(conn, username="Dave", password="pw-dave-1"))
    assert result["results"][0]["name"] == "dave" and "dave" in openfire.state.users
    assert not run_module("openfire_user", user(conn, username="DAVE", password="pw-dave-1"))["changed"]
    dup = run_module("openfire_user", user(conn, users=[{"username": "eve", "password": "x1"},
                                                        {"username": "EVE", "password": "x2"}]))
    assert dup["failed"] and "more than once" in dup["msg"]


def test_update_password(openfire, conn, run_module):
    run_module("openfire_user", user(conn, username="frank", password="first-pw"))
    on_create = run_module("openfire_user", user(conn, username="frank", password="second-pw"))
    assert not on_create["changed"] and openfire.state.users["frank"]["password"] == "first-pw"
    always = run_module("openfire_user", user(conn, username="frank", password="second-pw", update_password="always"))
    assert always["changed"] and openfire.state.users["frank"]["password"] == "second-pw"
    # A password cannot be read back, so `always` reports a change every time.
    assert run_module("openfire_user", user(conn, username="frank", password="second-pw",
                                            update_password="always"))["changed"]
    assert "second-pw" not in always["_stdout"]


def test_groups_exact_and_add(openfire, conn, run_module):
    run_module("openfire_user", user(conn, username="gina", password="pw-gina", groups=["a", "b"]))
    add = run_module("openfire_user", user(conn, username="gina", groups=["c"], groups_mode="add"))
    assert add["changed"]
    jid = "gina@example.org"
    assert [g for g in sorted(openfire.state.groups) if jid in openfire.state.groups[g]["members"]] == ["a", "b", "c"]
    assert not run_module("openfire_user", user(conn, username="gina", groups=["a"], groups_mode="add"))["changed"]
    exact = run_module("openfire_user", user(conn, username="gina", groups=["b"]), diff=True)
    assert exact["diff"]["before"]["groups"] == ["a", "b", "c"] and exact["diff"]["after"]["groups"] == ["b"]
    assert [g for g in sorted(openfire.state.groups) if jid in openfire.state.groups[g]["members"]] == ["b"]
    assert not run_module("openfire_user", user(conn, username="gina", groups=["b"]))["changed"]


def test_list_form(openfire, conn, run_module):
    items = [{"username": "bot", "password": "pw-bot-1", "name": "LLM bot"},
             {"username": "alice", "password": "pw-alice-1", "email": "alice@example.org"}]
    result = run_module("openfire_user", user(conn, users=items))
    assert [r["action"] for r in result["results"]] == ["create", "create"]
    assert set(openfire.state.users) == {"admin", "bot", "alice"}
    again = run_module("openfire_user", user(conn, users=items), diff=True)
    assert not again["changed"] and set(again["diff"]["after"]) == {"bot", "alice"}
    stray = run_module("openfire_user", user(conn, users=items, name="x"))
    assert stray["failed"] and "inside each item" in stray["msg"]


def test_bad_input_fails_before_any_request(openfire, conn, run_module):
    for name in ("al ice", "bob@example.org", "a/b", "x:y", "quote\"d", ""):
        result = run_module("openfire_user", user(conn, username=name, password="pw"))
        assert result["failed"], name
    assert "JID localpart" in run_module("openfire_user", user(conn, username="al ice", password="pw"))["msg"]
    empty = run_module("openfire_user", user(conn, username="henry", password=""))
    assert empty["failed"] and "password must not be empty" in empty["msg"]
    listed = run_module("openfire_user", user(conn, users=[{"username": "ok", "password": "pw"},
                                                           {"username": "not ok", "password": "pw"}]))
    assert listed["failed"]
    assert openfire.state.requests == []


def test_create_without_password_fails_without_writing(openfire, conn, run_module):
    result = run_module("openfire_user", user(conn, username="ivan", name="Ivan"))
    assert result["failed"] and "password is needed" in result["msg"]
    assert writes(openfire) == []


def test_redirect_trap_names_the_property(run_module):
    with OpenfireStandin(secret=SECRET, wildcard=False) as server:
        result = run_module("openfire_user", {"api_url": server.url, "api_secret": SECRET,
                                              "username": "jack", "password": "pw-jack"})
    assert result["failed"] and result["status"] == 302
    assert WILDCARD in result["msg"] and "login.jsp" in result["msg"]
    assert SECRET not in result["_stdout"] and "pw-jack" not in result["_stdout"]


def test_wrong_secret_and_disabled_plugin(openfire, conn, run_module):
    bad = run_module("openfire_user", dict(conn, api_secret="wrong", username="kim", password="pw-kim"))
    assert bad["failed"] and bad["status"] == 401 and "api_secret" in bad["msg"]
    openfire.state.properties["plugin.restapi.enabled"] = "false"
    off = run_module("openfire_user", user(conn, username="kim", password="pw-kim"))
    assert off["failed"] and off["status"] == 403 and "plugin.restapi.enabled" in off["msg"]


def test_basic_auth(run_module):
    with OpenfireStandin(http_auth="basic", admin_password="admin-pw-3") as server:
        args = {"api_url": server.url, "api_user": "admin", "api_password": "admin-pw-3",
                "username": "lena", "password": "pw-lena"}
        assert run_module("openfire_user", args)["changed"]
        assert "lena" in server.state.users
        wrong = run_module("openfire_user", dict(args, api_password="nope"))
        assert wrong["failed"] and wrong["status"] == 401
        assert "admin-pw-3" not in wrong["_stdout"]


def test_auth_options_are_checked(conn, run_module):
    both = run_module("openfire_user", dict(conn, api_user="admin", api_password="admin-pw-77",
                                            username="m", password="pw-m-77"))
    assert both["failed"] and "mutually exclusive" in both["msg"]
    neither = run_module("openfire_user", {"api_url": conn["api_url"], "username": "m", "password": "pw-m-77"})
    assert neither["failed"] and "one of the following" in neither["msg"]
