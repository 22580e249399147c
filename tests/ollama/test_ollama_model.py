# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ollama_model against the Ollama stand-in: every state, check mode, diff, list form,
name normalisation, failing and stalled pulls, bad names, progress file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from standins.ollama import MB


def pulls(server):
    return [r for r in server.state.requests if r[1] == "/api/pull"]


def tags(server):
    """name -> digest, as the stand-in's /api/tags reports them."""
    return dict((m["display"], server.state.tags_entry(m)["digest"]) for m in server.state.local.values())


# -- present ----------------------------------------------------------------------

def test_present_pulls_once_then_makes_no_registry_traffic(ollama, ollama_run):
    first = ollama_run({"name": "llama3.2:3b"})
    assert first["changed"] is True, first
    entry = first["results"][0]
    assert entry["action"] == "pull" and entry["model"] == "llama3.2:3b"
    assert entry["pull"]["bytes_total"] == 3 * MB + 1000 + 500
    assert entry["pull"]["bytes_completed"] == entry["pull"]["bytes_total"]
    assert entry["pull"]["layers"] == 3 and entry["pull"]["layers_completed"] == 3
    assert entry["digest"] == tags(ollama)["llama3.2:3b"]

    before = len(pulls(ollama))
    second = ollama_run({"name": "llama3.2:3b"})
    assert second["changed"] is False and second["results"][0]["action"] == "none"
    assert len(pulls(ollama)) == before, "present on an existing model must not pull"


@pytest.mark.parametrize("alias", [
    "tinyllama", "tinyllama:latest", "library/tinyllama:latest",
    "registry.ollama.ai/library/tinyllama:latest", "TinyLlama", "REGISTRY.OLLAMA.AI/Library/TINYLLAMA:Latest",
    "https://registry.ollama.ai/library/tinyllama:latest",
])
def test_names_compare_the_way_ollama_does(ollama, ollama_run, alias):
    assert ollama_run({"name": "tinyllama"})["changed"] is True
    count = len(pulls(ollama))
    result = ollama_run({"name": alias})
    assert result["changed"] is False, result
    assert result["results"][0]["model"].lower() == "tinyllama:latest"
    assert len(pulls(ollama)) == count


def test_check_mode_present_pulls_nothing(ollama, ollama_run):
    result = ollama_run({"name": "tinyllama"}, check=True, diff=True)
    assert result["changed"] is True and result["results"][0]["action"] == "pull"
    assert result["diff"]["before"] == {} and result["diff"]["after"]["model"] == "tinyllama:latest"
    assert pulls(ollama) == [] and ollama.state.local == {}


# -- latest -----------------------------------------------------------------------

def test_latest_changes_only_when_the_digest_moves(ollama, ollama_run):
    ollama_run({"name": "tinyllama"})
    old = tags(ollama)["tinyllama:latest"]

    same = ollama_run({"name": "tinyllama", "state": "latest"}, diff=True)
    assert same["changed"] is False, same
    assert len(pulls(ollama)) == 2, "latest must ask the registry"
    assert same["diff"]["before"] == same["diff"]["after"]

    new = ollama.publish("tinyllama:latest", layers=[2 * MB, 2000])
    moved = ollama_run({"name": "tinyllama", "state": "latest"}, diff=True)
    assert moved["changed"] is True and moved["results"][0]["action"] == "update"
    assert moved["results"][0]["digest"] == new != old
    assert moved["diff"]["before"]["digest"] == old and moved["diff"]["after"]["digest"] == new


def test_latest_check_mode_asks_the_registry_not_the_server(ollama, ollama_run):
    name = "127.0.0.1:%d/library/edge:1" % ollama.port
    ollama.publish(name, layers=[1000])
    ollama_run({"name": name})
    count = len(pulls(ollama))

    same = ollama_run({"name": name, "state": "latest", "insecure": True}, check=True)
    assert same["changed"] is False, same

    moved_to = ollama.publish(name, layers=[1500])
    moved = ollama_run({"name": name, "state": "latest", "insecure": True}, check=True, diff=True)
    assert moved["changed"] is True and moved["results"][0]["action"] == "update"
    assert moved["diff"]["after"]["digest"] == moved_to
    assert len(pulls(ollama)) == count, "check mode must not pull"
    assert tags(ollama)[name] != moved_to


def test_latest_missing_model_is_pulled(ollama, ollama_run):
    result = ollama_run({"name": "llama3.2:3b", "state": "latest"})
    assert result["changed"] is True and result["results"][0]["action"] == "pull"
    assert "llama3.2:3b" in tags(ollama)


# -- absent -----------------------------------------------------------------------

def test_absent_deletes_and_check_mode_keeps(ollama, ollama_run):
    ollama_run({"name": "tinyllama"})
    check = ollama_run({"name": "TinyLlama:latest", "state": "absent"}, check=True, diff=True)
    assert check["changed"] is True and check["results"][0]["action"] == "delete"
    assert check["diff"]["after"] == {} and check["diff"]["before"]["model"] == "tinyllama:latest"
    assert "tinyllama:latest" in tags(ollama)

    gone = ollama_run({"name": "TinyLlama:latest", "state": "absent"})
    assert gone["changed"] is True and tags(ollama) == {}
    again = ollama_run({"name": "tinyllama", "state": "absent"})
    assert again["changed"] is False


# -- list form ----------------------------------------------------------------------

def test_list_form_converges_many_with_diff(ollama, ollama_run):
    ollama_run({"name": "tinyllama"})
    models = [{"name": "llama3.2:3b"}, {"name": "tinyllama", "state": "absent"}, {"name": "mirror/custom:v1"}]
    result = ollama_run({"models": models}, diff=True)
    assert result["changed"] is True
    assert [r["action"] for r in result["results"]] == ["pull", "delete", "pull"]
    assert set(result["diff"]["before"]) == {"tinyllama"}
    assert set(result["diff"]["after"]) == {"llama3.2:3b", "mirror/custom:v1"}
    assert sorted(tags(ollama)) == ["llama3.2:3b", "mirror/custom:v1"]
    assert ollama_run({"models": models})["changed"] is False


def test_list_form_refuses_one_model_under_two_names(ollama, ollama_run):
    result = ollama_run({"models": [{"name": "llama3"}, {"name": "library/llama3:latest"}]})
    assert result["failed"] and "one model" in result["msg"]
    assert ollama.state.requests == []


# -- create ---------------------------------------------------------------------------

CUSTOM = {"name": "homelab-assistant", "from": "tinyllama", "system": "You are brief.",
          "parameters": {"temperature": 0.2, "num_ctx": 8192, "stop": ["<|end|>", "</s>"]},
          "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def test_create_is_changed_only_when_the_definition_differs(ollama, ollama_run):
    created = ollama_run(CUSTOM, diff=True)
    assert created["changed"] is True and created["results"][0]["action"] == "create", created
    assert created["diff"]["after"]["system"] == "You are brief."
    assert "homelab-assistant:latest" in tags(ollama) and "tinyllama:latest" in tags(ollama)
    body = [json.loads(r[2]) for r in ollama.state.requests if r[1] == "/api/create"][0]
    assert body["from"] == "tinyllama" and body["parameters"]["num_ctx"] == 8192

    assert ollama_run(CUSTOM)["changed"] is False

    edited = dict(CUSTOM, system="You are very brief.")
    check = ollama_run(edited, check=True, diff=True)
    assert check["changed"] is True and check["results"][0]["drift"] == ["system"]
    assert check["diff"]["before"]["system"] == "You are brief."
    assert ollama_run(CUSTOM)["changed"] is False, "check mode must not re-create"

    recreated = ollama_run(dict(CUSTOM, parameters={"temperature": 0.3}))
    assert recreated["changed"] is True and recreated["results"][0]["drift"] == ["parameters"]
    assert recreated["results"][0]["action"] == "recreate"


def test_create_quantize_error_line_fails_with_its_text(ollama, ollama_run):
    result = ollama_run({"name": "small", "from": "tinyllama", "quantize": "q4_K_M"})
    assert result["failed"] and "quantization is only supported for F16 and F32 models" in result["msg"]
    assert result["status"] == 200
    good = ollama_run({"name": "small", "from": "f16base", "quantize": "q4_K_M"})
    assert good["changed"] is True
    assert ollama_run({"name": "small", "from": "f16base", "quantize": "Q4_K_M"})["changed"] is False


def test_create_needs_a_server_with_json_create(ollama, ollama_run):
    ollama.state.version = "0.5.4"
    result = ollama_run(CUSTOM)
    assert result["failed"] and "0.5.5" in result["msg"] and "0.5.4" in result["msg"]
    assert not [r for r in ollama.state.requests if r[1] == "/api/create"]


# -- failing and stalled pulls ----------------------------------------------------------

def test_error_after_http_200_fails_with_ollamas_text(ollama, ollama_run):
    result = ollama_run({"name": "no-such-model"})
    assert result["failed"] and result["status"] == 200
    assert "pull model manifest: file does not exist" in result["msg"]


def test_error_in_the_middle_of_a_pull_fails(ollama, ollama_run):
    ollama.publish("flaky:latest", layers=[2 * MB, 1000], fail_after=2)
    result = ollama_run({"models": [{"name": "tinyllama"}, {"name": "flaky"}]})
    assert result["failed"] and "connection reset by peer" in result["msg"]
    assert result["changed"] is True and result["results"][0]["name"] == "tinyllama"
    assert "flaky:latest" not in tags(ollama)


def test_http_registry_needs_insecure(ollama, ollama_run):
    name = "http://127.0.0.1:%d/library/edge:1" % ollama.port
    ollama.publish(name, layers=[1000])
    refused = ollama_run({"name": name})
    assert refused["failed"] and "insecure protocol http" in refused["msg"]
    assert ollama_run({"name": name, "insecure": True})["changed"] is True


@pytest.mark.parametrize("mode,text", [("silent", "no data for 1 s"), ("repeat", "no download progress for 1 s")])
def test_stalled_pull_fails_clearly(ollama, ollama_run, mode, text):
    ollama.publish("stuck:latest", layers=[4 * MB], stall=mode)
    started = time.monotonic()
    result = ollama_run({"name": "stuck", "stall_timeout": 1})
    assert result["failed"] and text in result["msg"], result["msg"]
    assert time.monotonic() - started < 10


# -- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("args,text", [
    ({"name": "bad name"}, "not a valid Ollama model name"),
    ({"name": "ns.with.dots/model"}, "bad namespace"),
    ({"name": "llama3:"}, "bad tag"),
    ({"name": "a/b/c/d"}, "bad host"),
    ({"name": "-model"}, "bad model"),
    ({"name": "llama3@sha256:" + "0" * 64}, "@digest"),
    ({"name": "x", "system": "hi"}, "need from"),
    ({"name": "x", "from": "llama3", "state": "latest"}, "state present only"),
    ({"name": "x", "from": "bad name!"}, "from:"),
    ({"models": [{"name": "fine"}, {"name": "not/ok/at/all"}]}, "not/ok/at/all"),
    ({"name": "x", "stall_timeout": -1}, "stall_timeout"),
])
def test_bad_input_fails_before_any_request(ollama, ollama_run, args, text):
    result = ollama_run(args)
    assert result["failed"] and text in result["msg"], result["msg"]
    assert ollama.state.requests == []


# -- progress file ------------------------------------------------------------------------

def test_progress_file_reports_bytes_and_layers(ollama, ollama_run, tmp_path):
    path = tmp_path / "progress.json"
    result = ollama_run({"models": [{"name": "tinyllama"}, {"name": "llama3.2:3b"}], "progress_file": str(path)})
    assert result["changed"] is True
    state = json.loads(path.read_text())
    assert state["finished"] is True and state["models_done"] == 2 and state["models_total"] == 2
    assert state["model"] == "llama3.2:3b" and state["bytes_total"] == 3 * MB + 1500
    assert state["percent"] == 100.0 and state["layers"] == 3


def test_progress_file_is_updated_while_a_pull_runs(ollama, run_module, tmp_path):
    import threading

    path = tmp_path / "progress.json"
    ollama.publish("slow:latest", layers=[8 * MB], delay=0.4)
    seen = []
    args = {"name": "slow", "progress_file": str(path), "api_url": ollama.url}
    worker = threading.Thread(target=lambda: seen.append(run_module("ollama_model", args)))
    worker.start()
    snapshots = []
    while worker.is_alive():
        if path.exists():
            snapshots.append(json.loads(path.read_text()))
        time.sleep(0.1)
    worker.join()
    assert seen[0]["changed"] is True
    partial = [s for s in snapshots if not s["finished"] and 0 < s.get("percent", 0) < 100]
    assert partial, sorted(set((s.get("percent"), s.get("status"), s["finished"]) for s in snapshots))
    assert "of 8.0 MB" in partial[-1]["text"]
