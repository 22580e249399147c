# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""/api/chat of the Ollama stand-in (tests/standins/ollama.py), which the end-to-end test's bot talks to."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from lab import ApiClient, ApiError, OllamaStandin

MODEL = "qwen2.5:1.5b"


@pytest.fixture
def ollama():
    with OllamaStandin(catalogue={MODEL: {"layers": [1000]}}) as server:
        api = ApiClient(server.url, retries=0)
        api.request("POST", "/api/pull", json_body={"model": MODEL})
        server.api = api
        yield server


def chat(ollama, messages, **extra):
    body = dict(model=MODEL, messages=messages, stream=False)
    body.update(extra)
    return ollama.api.send_json("POST", "/api/chat", body)


def test_answers_the_last_user_message_and_counts(ollama):
    answer = chat(ollama, [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi there"}])
    assert answer["message"] == {"role": "assistant", "content": "echo: hi there"}
    assert answer["done"] is True and answer["done_reason"] == "stop" and answer["model"] == MODEL
    assert answer["eval_count"] > 0 and ollama.state.chats == 1


def test_streams_ndjson_chunks_that_add_up(ollama):
    response = ollama.api.request("POST", "/api/chat", json_body={
        "model": MODEL, "messages": [{"role": "user", "content": "one two three"}]})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert response.headers["Content-Type"] == "application/x-ndjson"
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert "".join(line["message"]["content"] for line in lines) == "echo: one two three"
    assert lines[-1]["done_reason"] == "stop"


def test_recall_reveals_the_history_it_was_sent(ollama):
    history = [{"role": "user", "content": "first"}, {"role": "assistant", "content": "echo: first"},
               {"role": "user", "content": "second"}, {"role": "user", "content": "recall please"}]
    assert chat(ollama, history)["message"]["content"] == "recall: first | second"
    assert chat(ollama, [{"role": "user", "content": "Recall"}])["message"]["content"] == "recall: (nothing)"


def test_tool_call_then_answer_from_the_tool_result(ollama):
    tools = [{"type": "function", "function": {"name": "calculator", "parameters": {}}},
             {"type": "function", "function": {"name": "current_time", "parameters": {}}}]
    asked = [{"role": "user", "content": "What time is it?"}]
    first = chat(ollama, asked, tools=tools)["message"]
    assert first["tool_calls"] == [{"function": {"name": "current_time", "arguments": {}}}]
    assert first["content"] == ""
    result = {"role": "tool", "tool_name": "current_time", "content": "12:00"}
    second = chat(ollama, asked + [first, result], tools=tools)["message"]
    assert second == {"role": "assistant", "content": "tool current_time said: 12:00"}
    # Without tools on offer the same question is only echoed.
    assert chat(ollama, asked)["message"]["content"] == "echo: What time is it?"


def test_unpulled_model_is_a_404_like_ollama(ollama):
    with pytest.raises(ApiError) as caught:
        ollama.api.send_json("POST", "/api/chat", {"model": "llama3.2:3b", "messages": [], "stream": False})
    assert caught.value.status == 404
    assert 'model "llama3.2:3b" not found, try pulling it first' in str(caught.value)


def test_chat_delay_and_ps_show_the_loaded_model(ollama):
    assert ollama.api.get_json("/api/ps") == {"models": []}
    ollama.state.chat_delay = 0.3
    started = time.monotonic()
    chat(ollama, [{"role": "user", "content": "slow"}])
    assert time.monotonic() - started >= 0.3
    loaded = ollama.api.get_json("/api/ps")["models"]
    assert [m["name"] for m in loaded] == [MODEL] and loaded[0]["size_vram"] == 0
    ollama.state.gpu = True
    assert ollama.api.get_json("/api/ps")["models"][0]["size_vram"] == loaded[0]["size"] > 0
