# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Name parser and pure compare functions of _ollama, against the rules of
ollama-api.md section 2 (types/model/name.go) and section 6 (/api/show)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.homelab.llm_stack.plugins.module_utils._ollama import (
    InvalidName,
    ProgressFile,
    PullProgress,
    PullStalled,
    definition_drift,
    definition_from_show,
    name_key,
    parse_name,
    parse_parameters,
    progress_line,
    short_name,
    version_tuple,
)


@pytest.mark.parametrize("name,host,namespace,model,tag", [
    ("llama3", "registry.ollama.ai", "library", "llama3", "latest"),
    ("llama3:8b", "registry.ollama.ai", "library", "llama3", "8b"),
    ("library/llama3:latest", "registry.ollama.ai", "library", "llama3", "latest"),
    ("registry.ollama.ai/library/llama3:latest", "registry.ollama.ai", "library", "llama3", "latest"),
    ("hf.co/org/repo:Q4_K_M", "hf.co", "org", "repo", "Q4_K_M"),
    ("myuser/mymodel", "registry.ollama.ai", "myuser", "mymodel", "latest"),
    # A ':' before the last '/' is a port, not a tag.
    ("localhost:5000/ns/model", "localhost:5000", "ns", "model", "latest"),
    ("localhost:5000/ns/model:v1.2", "localhost:5000", "ns", "model", "v1.2"),
    ("https://example.com/ns/model:1", "example.com", "ns", "model", "1"),
    ("qwen2.5:1.5b", "registry.ollama.ai", "library", "qwen2.5", "1.5b"),
    ("_under/_score:_x", "registry.ollama.ai", "_under", "_score", "_x"),
])
def test_parse_fills_defaults(name, host, namespace, model, tag):
    parts = parse_name(name)
    assert (parts["host"], parts["namespace"], parts["model"], parts["tag"]) == (host, namespace, model, tag)


@pytest.mark.parametrize("name,short", [
    ("llama3", "llama3:latest"),
    ("llama3:latest", "llama3:latest"),
    ("library/llama3:latest", "llama3:latest"),
    ("registry.ollama.ai/library/llama3:latest", "llama3:latest"),
    ("REGISTRY.ollama.AI/LIBRARY/Llama3", "Llama3:latest"),
    ("myuser/mymodel", "myuser/mymodel:latest"),
    ("hf.co/org/repo:Q4", "hf.co/org/repo:Q4"),
    ("hf.co/library/repo", "hf.co/library/repo:latest"),
])
def test_short_form_is_display_shortest(name, short):
    assert short_name(name) == short


def test_one_model_under_every_spelling():
    keys = set(name_key(n) for n in ("llama3", "llama3:latest", "library/llama3:latest",
                                     "registry.ollama.ai/library/llama3:latest", "LLAMA3", "Library/Llama3:LATEST"))
    assert len(keys) == 1
    assert name_key("llama3") != name_key("llama3:8b") != name_key("other/llama3")


@pytest.mark.parametrize("name,reason", [
    ("", "non-empty"),
    ("   ", "non-empty"),
    ("llama3:", "bad tag"),
    (":tag", "bad model"),
    ("/model", "bad namespace"),
    ("ns/", "bad model"),
    ("a//b", "bad namespace"),
    ("a/b/c/d", "bad host"),
    ("my.ns/model", "bad namespace"),
    ("-model", "bad model"),
    ("model:-tag", "bad tag"),
    (".model", "bad model"),
    ("mo del", "bad model"),
    ("model:t:ag", "bad model"),
    ("ns:x/model", "bad namespace"),
    ("m" * 81, "bad model"),
    ("model:" + "t" * 81, "bad tag"),
    ("ns" * 41 + "/model", "bad namespace"),
    ("h" * 351 + "/ns/model", "bad host"),
    ("modèle", "bad model"),
    ("model@sha256:xyz", "digest"),
])
def test_invalid_names_are_refused(name, reason):
    with pytest.raises(InvalidName) as caught:
        parse_name(name)
    assert reason in str(caught.value)


def test_limits_are_inclusive():
    assert parse_name("m" * 80 + ":" + "t" * 80)["tag"] == "t" * 80
    assert parse_name("h" * 350 + "/ns/model")["host"] == "h" * 350


def test_digest_is_kept_apart():
    parts = parse_name("llama3@sha256-" + "a" * 64)
    assert parts["model"] == "llama3" and parts["digest"] == "sha256-" + "a" * 64


def test_version_tuple():
    assert version_tuple("0.32.15") == (0, 32, 15)
    assert version_tuple("0.33.0-rc2") == (0, 33, 0)
    assert version_tuple("v0.5.4") == (0, 5, 4)
    assert version_tuple("unknown") is None


SHOW_PARAMETERS = "\n".join([
    "num_ctx                        8192",
    "temperature                    0.2",
    'stop                           "<|im_start|>"',
    'stop                           "<|im_end|>"',
    "use_mmap                       true",
    'system_hint                    "say \\"hi\\""',
])


def test_parameters_text_is_parsed():
    assert parse_parameters(SHOW_PARAMETERS) == {
        "num_ctx": 8192, "temperature": 0.2, "stop": ["<|im_start|>", "<|im_end|>"], "use_mmap": True,
        "system_hint": 'say "hi"'}
    assert parse_parameters("") == {}


def show(**extra):
    answer = {"parameters": SHOW_PARAMETERS, "template": "{{ .Prompt }}", "system": "Be brief.",
              "details": {"parent_model": "registry.ollama.ai/library/qwen2.5:1.5b", "quantization_level": "Q4_K_M"},
              "messages": [{"role": "user", "content": "hi", "images": None}]}
    answer.update(extra)
    return definition_from_show(answer)


@pytest.mark.parametrize("desired,drift", [
    ({"from": "qwen2.5:1.5b", "system": "Be brief."}, []),
    ({"from": "QWEN2.5:1.5b", "system": " Be brief.\n"}, []),
    ({"from": "qwen2.5:3b"}, ["from"]),
    ({"system": "Be long."}, ["system"]),
    ({"parameters": {"temperature": 0.2, "num_ctx": "8192"}}, []),
    ({"parameters": {"stop": ["<|im_start|>", "<|im_end|>"]}}, []),
    ({"parameters": {"stop": ["<|im_end|>"]}}, ["parameters"]),
    ({"parameters": {"top_k": 40}}, ["parameters"]),
    ({"parameters": {"use_mmap": True}}, []),
    ({"messages": [{"role": "user", "content": "hi"}]}, []),
    ({"messages": []}, ["messages"]),
    ({"quantize": "q4_k_m"}, []),
    ({"quantize": "q8_0"}, ["quantize"]),
    ({"template": "{{ .System }}"}, ["template"]),
])
def test_definition_drift(desired, drift):
    assert definition_drift(desired, show()) == drift


def test_missing_system_is_drift():
    assert definition_drift({"system": "Be brief."}, show(system=None)) == ["system"]


def test_progress_counts_bytes_and_layers():
    clock = [0.0]
    progress = PullProgress("m", 10, clock=lambda: clock[0])
    progress.update({"status": "pulling manifest"})
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100})
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 40})
    progress.update({"status": "pulling bbb", "digest": "sha256:b", "total": 300, "completed": 0})
    assert progress.summary()["percent"] == 10.0
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 100})
    progress.update({"status": "pulling bbb", "digest": "sha256:b", "total": 300, "completed": 300})
    progress.update({"status": "success"})
    summary = progress.summary()
    assert summary["bytes_total"] == summary["bytes_completed"] == 400
    assert summary["layers"] == summary["layers_completed"] == 2 and progress.success


def test_progress_stalls_on_repeated_numbers_only():
    clock = [0.0]
    progress = PullProgress("m", 10, clock=lambda: clock[0])
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 10})
    clock[0] = 9.0
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 20})
    clock[0] = 18.0
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 20})
    clock[0] = 19.5
    with pytest.raises(PullStalled) as caught:
        progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 20})
    assert "no download progress for 10 s" in str(caught.value)


def test_no_stall_limit_with_zero():
    clock = [0.0]
    progress = PullProgress("m", 0, clock=lambda: clock[0])
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 10})
    clock[0] = 10000.0
    progress.update({"status": "pulling aaa", "digest": "sha256:a", "total": 100, "completed": 10})
    assert progress.completed == 10


# -- progress line ----------------------------------------------------------------

@pytest.mark.parametrize("state,line", [
    ({"models_total": 4, "models_done": 1, "model": "llama3.2:3b", "status": "pulling c0f35e7bab0d",
      "text": "pulling c0f35e7bab0d 75.0% (60.0 MB of 80.0 MB)"},
     "[2/4] llama3.2:3b: pulling c0f35e7bab0d 75.0% (60.0 MB of 80.0 MB)"),
    # The last model done: the counter stays at the total.
    ({"models_total": 2, "models_done": 2, "model": "qwen2.5:1.5b", "status": "pull", "text": "done: pull"},
     "[2/2] qwen2.5:1.5b: done: pull"),
    # No text (yet): the status.
    ({"models_total": 1, "models_done": 0, "model": "tinyllama:latest", "status": "failed: HTTP 500"},
     "[1/1] tinyllama:latest: failed: HTTP 500"),
])
def test_progress_line(state, line):
    assert progress_line(state) == line


def test_progress_line_of_a_module_written_state(tmp_path):
    """The line for the JSON file ProgressFile writes, as the action reads it back."""
    path = tmp_path / "progress.json"
    writer = ProgressFile(str(path), 3)
    writer.write(force=True, models_done=1, model="llama3.2:3b", status="pulling aaa",
                 text="pulling aaa 10.0% (1.0 MB of 10.0 MB)")
    assert progress_line(json.loads(path.read_text())) == "[2/3] llama3.2:3b: pulling aaa 10.0% (1.0 MB of 10.0 MB)"
