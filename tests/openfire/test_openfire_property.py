# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""openfire_property against the REST API stand-in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from openfire_support import SECRET, writes

from standins.openfire import OpenfireStandin, WILDCARD


def test_create_noop_update_delete(openfire, conn, run_module):
    args = dict(conn, key="xmpp.client.tls.policy", value="optional")
    first = run_module("openfire_property", args, diff=True)
    assert first["changed"] and first["results"][0]["action"] == "create"
    assert first["diff"] == {"before": {}, "after": {"key": "xmpp.client.tls.policy", "value": "optional"}}
    assert openfire.state.properties["xmpp.client.tls.policy"] == "optional"
    count = len(writes(openfire))
    assert not run_module("openfire_property", args)["changed"]
    assert len(writes(openfire)) == count
    update = run_module("openfire_property", dict(args, value="required"))
    assert update["changed"] and update["results"][0]["action"] == "update"
    assert openfire.state.properties["xmpp.client.tls.policy"] == "required"
    gone = run_module("openfire_property", dict(conn, key="xmpp.client.tls.policy", state="absent"))
    assert gone["changed"] and "xmpp.client.tls.policy" not in openfire.state.properties
    assert not run_module("openfire_property", dict(conn, key="xmpp.client.tls.policy", state="absent"))["changed"]


def test_check_mode(openfire, conn, run_module):
    assert run_module("openfire_property", dict(conn, key="a.b", value="1"), check=True)["changed"]
    assert "a.b" not in openfire.state.properties
    openfire.state.properties["a.b"] = "1"
    assert run_module("openfire_property", dict(conn, key="a.b", value="2"), check=True)["changed"]
    assert run_module("openfire_property", dict(conn, key="a.b", state="absent"), check=True)["changed"]
    assert openfire.state.properties["a.b"] == "1" and writes(openfire) == []


def test_list_form_and_masking(openfire, conn, run_module):
    items = [{"key": "xmpp.auth.anonymous", "value": "false"},
             {"key": "plugin.restapi.secret", "value": "new-rest-secret-42"}]
    result = run_module("openfire_property", dict(conn, properties=items[:1]), diff=True)
    assert result["changed"] and result["diff"]["after"] == {"xmpp.auth.anonymous": {"key": "xmpp.auth.anonymous",
                                                                                     "value": "false"}}
    secret = run_module("openfire_property", dict(conn, properties=items), diff=True)
    assert secret["changed"] and [r["changed"] for r in secret["results"]] == [False, True]
    assert secret["diff"]["after"]["plugin.restapi.secret"]["value"] == "********"
    assert "new-rest-secret-42" not in secret["_stdout"].split('"invocation"')[0]
    assert SECRET not in secret["_stdout"]
    # The new secret applies at once: the old one is refused from now on.
    assert openfire.state.properties["plugin.restapi.secret"] == "new-rest-secret-42"
    assert run_module("openfire_property", dict(conn, key="x", value="y"))["status"] == 401


def test_value_required_and_redirect(openfire, conn, run_module):
    missing = run_module("openfire_property", dict(conn, key="a.b"))
    assert missing["failed"] and "value" in missing["msg"]
    listed = run_module("openfire_property", dict(conn, properties=[{"key": "a"}]))
    assert listed["failed"] and "value" in listed["msg"]
    assert openfire.state.requests == []
    with OpenfireStandin(secret=SECRET, wildcard=False) as server:
        result = run_module("openfire_property", {"api_url": server.url, "api_secret": SECRET, "key": "a", "value": "b"})
    assert result["failed"] and WILDCARD in result["msg"]
