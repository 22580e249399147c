# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""n8n_workflow against a real n8n 2.41.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

pytestmark = pytest.mark.slow


def schedule(minutes=5, with_ids=False):
    """A workflow with a built-in trigger (activatable) and a Set node."""
    nodes = [
        {"name": "Every few minutes", "type": "n8n-nodes-base.scheduleTrigger", "typeVersion": 1.2,
         "position": [0, 0], "parameters": {"rule": {"interval": [{"field": "minutes", "minutesInterval": minutes}]}}},
        {"name": "Mark", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [200, 0],
         "parameters": {"assignments": {"assignments": [{"id": "a", "name": "ok", "value": "yes", "type": "string"}]},
                        "options": {}}},
    ]
    if with_ids:
        for index, node in enumerate(nodes):
            node["id"] = "00000000-0000-4000-8000-00000000000%d" % index
    return {"nodes": nodes, "settings": {"executionOrder": "v1"},
            "connections": {"Every few minutes": {"main": [[{"node": "Mark", "type": "main", "index": 0}]]}}}


MANUAL = {"nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
                     "position": [0, 0], "parameters": {}}], "connections": {}}


def only(n8n, name):
    [found] = n8n.named("workflows", name)
    return n8n.get("/workflows/%s" % found["id"])


def test_create_noop_update_and_check_mode(n8n, run_module, unique):
    name = unique("wf")
    planned = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule()), check=True, diff=True)
    assert planned["changed"] and planned["diff"]["before"] == {} and planned["diff"]["after"]["name"] == name
    assert n8n.named("workflows", name) == []
    created = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule()))
    assert created["changed"] and created["results"][0]["action"] == "create"
    first = only(n8n, name)
    assert first["id"] == created["results"][0]["id"] and not first["active"]
    # No node ids in the definition: the ids n8n generated are adopted, so nothing changes.
    again = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule()), diff=True)
    assert not again["changed"] and again["diff"]["before"] == again["diff"]["after"]
    assert only(n8n, name)["updatedAt"] == first["updatedAt"]
    planned = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(10)), check=True, diff=True)
    assert planned["changed"] and planned["results"][0]["action"] == "update"
    assert json.dumps(planned["diff"]["after"]).count('"minutesInterval": 10') == 1
    assert only(n8n, name)["versionId"] == first["versionId"]
    updated = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(10)))
    assert updated["changed"]
    current = only(n8n, name)
    assert current["versionId"] != first["versionId"]
    assert current["nodes"][0]["parameters"]["rule"]["interval"][0]["minutesInterval"] == 10 or \
        current["nodes"][1]["parameters"]["rule"]["interval"][0]["minutesInterval"] == 10
    assert not run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(10)))["changed"]


def test_exported_definition_with_read_only_fields(n8n, run_module, unique, tmp_path):
    name = unique("wf")
    exported = dict(schedule(with_ids=True), id="abc", name="ignored", active=True, versionId="v",
                    tags=[{"id": "x", "name": "y"}], meta={"instanceId": "i"}, description="d")
    src = tmp_path / "export.json"
    src.write_text(json.dumps(exported))
    assert run_module("n8n_workflow", n8n.conn(name=name, src=str(src)))["changed"]
    current = only(n8n, name)
    assert current["name"] == name and not current["active"] and current["tags"] == []
    assert sorted(n["id"] for n in current["nodes"]) == sorted(n["id"] for n in exported["nodes"])
    assert not run_module("n8n_workflow", n8n.conn(name=name, src=str(src)))["changed"]


def test_activation_deactivation_and_republish(n8n, run_module, unique):
    name = unique("wf")
    result = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(), active=True))
    assert result["changed"] and not result.get("failed")
    current = only(n8n, name)
    assert current["active"] and current["activeVersionId"] == current["versionId"]
    assert not run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(), active=True))["changed"]
    # A changed definition of an active workflow is published, not left as a draft.
    assert run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(7), active=True))["changed"]
    current = only(n8n, name)
    assert current["active"] and current["activeVersionId"] == current["versionId"]
    assert "minutesInterval\": 7" in json.dumps(current["activeVersion"]["nodes"])
    planned = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(7), active=False), check=True)
    assert planned["changed"] and only(n8n, name)["active"]
    assert run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(7), active=False))["changed"]
    assert not only(n8n, name)["active"]
    # Leaving `active` unset keeps the current state.
    assert not run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(7)))["changed"]


def test_activation_without_trigger_fails_clearly(n8n, run_module, unique):
    name = unique("wf")
    result = run_module("n8n_workflow", n8n.conn(name=name, definition=MANUAL, active=True))
    assert result["failed"] and result["status"] == 400 and "trigger" in result["msg"]


def test_tags(n8n, run_module, unique):
    name, tag_a, tag_b = unique("wf"), unique("tag"), unique("tag")
    assert run_module("n8n_workflow", n8n.conn(name=name, definition=MANUAL, tags=[tag_a, tag_b]))["changed"]
    assert sorted(t["name"] for t in only(n8n, name)["tags"]) == sorted([tag_a, tag_b])
    assert not run_module("n8n_workflow", n8n.conn(name=name, definition=MANUAL, tags=[tag_b, tag_a]))["changed"]
    assert not run_module("n8n_workflow", n8n.conn(name=name, definition=MANUAL))["changed"]
    assert run_module("n8n_workflow", n8n.conn(name=name, definition=MANUAL, tags=[tag_a]))["changed"]
    assert [t["name"] for t in only(n8n, name)["tags"]] == [tag_a]


def test_duplicate_names_need_an_id(n8n, run_module, unique):
    name = unique("dup")
    ids = [n8n.api.send_json("POST", "/workflows", dict(MANUAL, name=name, settings={}))["id"] for dummy in range(2)]
    result = run_module("n8n_workflow", n8n.conn(name=name, definition=schedule()))
    assert result["failed"] and "2 workflows are named" in result["msg"] and ids[0] in result["msg"]
    picked = run_module("n8n_workflow", n8n.conn(name=name, id=ids[1], definition=schedule()))
    assert picked["changed"] and picked["results"][0]["id"] == ids[1]
    assert n8n.get("/workflows/%s" % ids[0])["nodes"][0]["name"] == "Start"
    unknown = run_module("n8n_workflow", n8n.conn(name=name, id="doesNotExist1234", definition=MANUAL))
    assert unknown["failed"] and "no workflow has the id" in unknown["msg"]


def test_credentials_resolved_by_name(n8n, run_module, unique):
    cred, name = unique("ollama"), unique("wf")
    body = {"name": cred, "type": "ollamaApi", "data": {"baseUrl": "http://ollama:11434"}}
    cid = n8n.api.send_json("POST", "/credentials", body)["id"]
    definition = copy.deepcopy(MANUAL)
    definition["nodes"].append({"name": "Model", "type": "@n8n/n8n-nodes-langchain.lmChatOllama", "typeVersion": 1,
                                "position": [200, 200], "parameters": {"model": "llama3.2:3b", "options": {}},
                                "credentials": {"ollamaApi": cred}})
    assert run_module("n8n_workflow", n8n.conn(name=name, definition=definition))["changed"]
    model = [n for n in only(n8n, name)["nodes"] if n["name"] == "Model"][0]
    assert model["credentials"] == {"ollamaApi": {"id": cid, "name": cred}}
    assert not run_module("n8n_workflow", n8n.conn(name=name, definition=definition))["changed"]


def test_bad_input_fails_before_any_write(n8n, run_module, unique, tmp_path):
    good = unique("good")
    broken = tmp_path / "broken.json"
    broken.write_text('{"nodes": [')
    cases = [
        (dict(name=unique("bad"), src=str(broken)), "is not valid JSON"),
        (dict(name=unique("bad"), definition={"connections": {}}), "has no nodes"),
        (dict(name=unique("bad"), definition=dict(MANUAL, nodes=[dict(MANUAL["nodes"][0],
                                                                      credentials={"ollamaApi": "no-such-cred"})])),
         "no ollamaApi credential named 'no-such-cred'"),
        (dict(name=unique("bad"), definition=MANUAL, src=str(broken)), "mutually exclusive"),
        (dict(name=unique("bad")), "any of the following are missing: definition, src"),
    ]
    for bad, message in cases:
        result = run_module("n8n_workflow", n8n.conn(workflows=[dict(name=good, definition=MANUAL), bad]))
        assert result["failed"] and message in result["msg"], result["msg"]
        assert n8n.named("workflows", good) == []


def test_delete(n8n, run_module, unique):
    name = unique("wf")
    run_module("n8n_workflow", n8n.conn(name=name, definition=schedule(), active=True))
    planned = run_module("n8n_workflow", n8n.conn(name=name, state="absent"), check=True)
    assert planned["changed"] and len(n8n.named("workflows", name)) == 1
    assert run_module("n8n_workflow", n8n.conn(name=name, state="absent"))["changed"]
    assert n8n.named("workflows", name) == []
    assert not run_module("n8n_workflow", n8n.conn(name=name, state="absent"))["changed"]


def test_list_form(n8n, run_module, unique):
    one, two = unique("wf"), unique("wf")
    items = [dict(name=one, definition=MANUAL), dict(name=two, definition=schedule(), active=True)]
    result = run_module("n8n_workflow", n8n.conn(workflows=items), diff=True)
    assert [r["action"] for r in result["results"]] == ["create", "create"]
    assert set(result["diff"]["after"]) == {one, two}
    assert not run_module("n8n_workflow", n8n.conn(workflows=items))["changed"]
