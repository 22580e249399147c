# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openfire_group against the REST API stand-in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from openfire_support import SECRET, writes

from standins.openfire import OpenfireStandin, WILDCARD


def test_create_noop_update_delete(openfire, conn, run_module):
    args = dict(conn, name="humans", description="People", members=["Alice", "bob@example.org"],
                admins=["alice"], shared=True)
    first = run_module("openfire_group", args)
    assert first["changed"] and first["results"][0]["action"] == "create"
    group = openfire.state.groups["humans"]
    assert group["members"] == ["alice@example.org", "bob@example.org"]
    assert group["admins"] == ["alice@example.org"] and group["shared"] and group["description"] == "People"

    count = len(writes(openfire))
    assert not run_module("openfire_group", args)["changed"]
    assert len(writes(openfire)) == count

    update = run_module("openfire_group", dict(conn, name="humans", members=["carol"]), diff=True)
    assert update["changed"] and update["results"][0]["action"] == "update"
    assert update["diff"]["after"]["members"] == ["carol@example.org"]
    # The plugin replaces both lists and nulls an omitted description: unset options must survive.
    assert group["description"] == "People" and group["admins"] == ["alice@example.org"] and group["shared"]

    gone = run_module("openfire_group", dict(conn, name="humans", state="absent"))
    assert gone["changed"] and "humans" not in openfire.state.groups
    assert not run_module("openfire_group", dict(conn, name="humans", state="absent"))["changed"]


def test_check_mode_and_diff(openfire, conn, run_module):
    result = run_module("openfire_group", dict(conn, name="bots", members=["bot"]), check=True, diff=True)
    assert result["changed"] and result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"name": "bots", "description": "", "members": ["bot@example.org"],
                                       "admins": [], "shared": False}
    assert "bots" not in openfire.state.groups and writes(openfire) == []
    run_module("openfire_group", dict(conn, name="bots", members=["bot"]))
    count = len(writes(openfire))
    assert run_module("openfire_group", dict(conn, name="bots", shared=True), check=True)["changed"]
    assert run_module("openfire_group", dict(conn, name="bots", state="absent"), check=True)["changed"]
    assert openfire.state.groups["bots"]["shared"] is False and len(writes(openfire)) == count


def test_list_form(openfire, conn, run_module):
    items = [{"name": "a", "members": ["x"]}, {"name": "b", "description": "B"}]
    result = run_module("openfire_group", dict(conn, groups=items))
    assert [r["action"] for r in result["results"]] == ["create", "create"]
    assert openfire.state.groups["b"]["members"] == [] and openfire.state.groups["b"]["admins"] == []
    again = run_module("openfire_group", dict(conn, groups=items + [{"name": "c", "state": "absent"}]))
    assert not again["changed"]


def test_domain_only_read_when_needed(openfire, conn, run_module):
    run_module("openfire_group", dict(conn, name="jids", members=["a@example.org"]))
    assert ("GET", "/plugins/restapi/v1/system/properties/xmpp.domain") not in openfire.state.requests
    run_module("openfire_group", dict(conn, name="names", members=["a"]))
    assert ("GET", "/plugins/restapi/v1/system/properties/xmpp.domain") in openfire.state.requests


def test_bad_members_fail_before_any_request(openfire, conn, run_module):
    for member in ("a b", "x@y@z", "q<r"):
        result = run_module("openfire_group", dict(conn, name="g", members=[member]))
        assert result["failed"] and repr(member) in result["msg"]
    assert run_module("openfire_group", dict(conn, name="a/b"))["failed"]
    assert openfire.state.requests == []


def test_redirect_trap(run_module):
    with OpenfireStandin(secret=SECRET, wildcard=False) as server:
        result = run_module("openfire_group", {"api_url": server.url, "api_secret": SECRET, "name": "g"})
    assert result["failed"] and WILDCARD in result["msg"] and SECRET not in result["_stdout"]
