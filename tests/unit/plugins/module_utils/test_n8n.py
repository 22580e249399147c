# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions of the n8n client: definition checks, credential resolution, normalisation, polling."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import (
    N8nClient,
    N8nError,
    adopt_generated_keys,
    comparable_workflow,
    credential_refs,
    load_definition,
    managed_keys,
    resolve_credentials,
    writable_workflow,
)

NODE = {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}}
CREDS = [
    {"id": "a1", "name": "Ollama", "type": "ollamaApi"},
    {"id": "b2", "name": "Bot", "type": "xmppApi"},
    {"id": "c3", "name": "Twice", "type": "rabbitMqApi"},
    {"id": "c4", "name": "Twice", "type": "rabbitMqApi"},
]


def definition(**node_extra):
    node = dict(NODE, **node_extra)
    return {"nodes": [node], "connections": {}}


def test_load_definition_from_file(tmp_path):
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(definition()))
    assert load_definition(src=str(path))["nodes"][0]["name"] == "Start"


@pytest.mark.parametrize("text,message", [
    ("{not json", "is not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"nodes": []}', "has no nodes"),
    ('{"name": "x"}', "has no nodes"),
    ('{"nodes": [{"name": "a"}]}', "needs a name and a type"),
    ('{"nodes": [{"name": "a", "type": "t"}, {"name": "a", "type": "t"}]}', "must be unique"),
    ('{"nodes": [{"name": "a", "type": "t"}], "connections": {"b": {}}}', "do not exist: b"),
])
def test_load_definition_rejects(tmp_path, text, message):
    path = tmp_path / "wf.json"
    path.write_text(text)
    with pytest.raises(N8nError, match=message):
        load_definition(src=str(path))


def test_load_definition_missing_file(tmp_path):
    with pytest.raises(N8nError, match="cannot read"):
        load_definition(src=str(tmp_path / "nope.json"))


def test_credential_refs_both_forms():
    wf = {"nodes": [dict(NODE, credentials={"ollamaApi": {"name": "Ollama"}, "xmppApi": "Bot"})]}
    assert credential_refs(wf) == [("Start", "ollamaApi", "Ollama", None), ("Start", "xmppApi", "Bot", None)]


def test_resolve_credentials_by_name_and_string_form():
    wf = definition(credentials={"ollamaApi": {"name": "Ollama", "id": "stale"}, "xmppApi": "Bot"})
    resolved = resolve_credentials(wf, CREDS)
    assert resolved["nodes"][0]["credentials"] == {"ollamaApi": {"id": "a1", "name": "Ollama"},
                                                   "xmppApi": {"id": "b2", "name": "Bot"}}
    # The input is left alone.
    assert wf["nodes"][0]["credentials"]["xmppApi"] == "Bot"


def test_resolve_credentials_by_id_only():
    resolved = resolve_credentials(definition(credentials={"xmppApi": {"id": "b2"}}), CREDS)
    assert resolved["nodes"][0]["credentials"]["xmppApi"] == {"id": "b2", "name": "Bot"}


@pytest.mark.parametrize("ref,message", [
    ({"ollamaApi": "Missing"}, "no ollamaApi credential named 'Missing'"),
    ({"xmppApi": "Ollama"}, "no xmppApi credential named 'Ollama'"),  # right name, wrong type
    ({"rabbitMqApi": "Twice"}, "2 rabbitMqApi credential named 'Twice's \\(ids c3, c4\\)"),
    ({"xmppApi": {"id": "zz"}}, "no xmppApi credential with id 'zz'"),
])
def test_resolve_credentials_errors(ref, message):
    with pytest.raises(N8nError, match=message):
        resolve_credentials(definition(credentials=ref), CREDS)


def test_writable_workflow_strips_read_only_fields():
    exported = dict(definition(), id="w1", name="Old", active=True, tags=[{"id": "t"}], versionId="v",
                    meta={"x": 1}, description="d", pinData={})
    body = writable_workflow(exported, "New")
    assert body == {"name": "New", "nodes": exported["nodes"], "connections": {}, "settings": {}, "pinData": {}}


def test_adopt_generated_keys_only_fills_missing():
    body = writable_workflow({"nodes": [dict(NODE), dict(NODE, name="Other", id="mine")]}, "x")
    existing = {"nodes": [dict(NODE, id="gen-1", webhookId="wh"), dict(NODE, name="Other", id="theirs")]}
    adopt_generated_keys(body, existing)
    assert body["nodes"][0]["id"] == "gen-1" and body["nodes"][0]["webhookId"] == "wh"
    assert body["nodes"][1]["id"] == "mine"


def test_comparable_workflow_ignores_node_order_and_empty_extras():
    a = {"name": "x", "nodes": [dict(NODE, name="B"), dict(NODE, name="A")], "connections": {}, "settings": None,
         "staticData": None, "id": "w1", "active": True}
    b = {"name": "x", "nodes": [dict(NODE, name="A"), dict(NODE, name="B")], "connections": {}, "settings": {}}
    assert comparable_workflow(a) == comparable_workflow(b)
    assert comparable_workflow(dict(b, settings={"executionOrder": "v1"})) != comparable_workflow(b)


def test_managed_keys():
    assert managed_keys({"name": "x", "nodes": []}) == ["name", "nodes", "connections", "settings"]
    assert managed_keys({"name": "x", "pinData": {}}) == ["name", "nodes", "connections", "settings", "pinData"]


class FakeApi:
    """Answers get_json from a list of canned pages / workflow states."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def get_json(self, path, params=None, missing=(404,)):
        self.calls.append((path, params))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_list_all_follows_cursor():
    api = FakeApi([{"data": [{"id": 1}], "nextCursor": "abc"}, {"data": [{"id": 2}], "nextCursor": None}])
    assert N8nClient(api).list_all("/workflows", {"name": "x"}) == [{"id": 1}, {"id": 2}]
    assert api.calls == [("/workflows", {"name": "x", "limit": 250}), ("/workflows", {"cursor": "abc"})]


def test_wait_active_waits_for_current_version():
    api = FakeApi([{"active": False}, {"active": True, "activeVersionId": "v1", "versionId": "v2"},
                   {"active": True, "activeVersionId": "v2", "versionId": "v2"}])
    now = [0.0]
    result = N8nClient(api).wait_active("w", True, 10, sleep=lambda s: now.__setitem__(0, now[0] + s),
                                        clock=lambda: now[0])
    assert result["activeVersionId"] == "v2" and len(api.calls) == 3


def test_wait_active_times_out():
    api = FakeApi([{"active": False, "versionId": "v"}])
    now = [0.0]
    with pytest.raises(N8nError, match="did not become active within 3 s"):
        N8nClient(api).wait_active("w", True, 3, sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])


class FlakyDelete:
    """DELETE answers 409 "still being unpublished" `busy` times, then succeeds."""

    def __init__(self, busy, status=409, reason="Workflow is still being unpublished. Please try again in a few moments."):
        self.busy = busy
        self.status = status
        self.reason = reason
        self.calls = 0

    def send_json(self, method, path, body=None, params=None, expected=(200, 201, 204)):
        self.calls += 1
        if self.calls <= self.busy:
            raise ApiError("unexpected answer", status=self.status, reason=self.reason)
        return {"id": "w"}


def test_delete_workflow_waits_for_unpublish():
    api = FlakyDelete(2)
    assert N8nClient(api).delete_workflow("w", 10, sleep=lambda s: None) == {"id": "w"}
    assert api.calls == 3


def test_delete_workflow_gives_up_and_other_errors_raise():
    now = [0.0]
    with pytest.raises(ApiError):
        N8nClient(FlakyDelete(99)).delete_workflow("w", 3, sleep=lambda s: now.__setitem__(0, now[0] + s),
                                                   clock=lambda: now[0])
    api = FlakyDelete(1, status=409, reason="Cannot delete a published workflow.")
    with pytest.raises(ApiError, match="unexpected answer"):
        N8nClient(api).delete_workflow("w", 10, sleep=lambda s: None)
    assert api.calls == 1
