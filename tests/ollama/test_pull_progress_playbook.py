# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ollama role's configure tasks in a real ansible-playbook run against the stand-in:
progress lines while a pull runs (many rounds, no recursion), failures with the module's
message, cleanup of the job and progress files, and check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from standins.ollama import MB, OllamaStandin

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUNDS = 51  # > 50 rounds: a self-including task file got slower with every round and crashed below 400
LINE = re.compile(r"^\[1/1\] slow:latest: (\S.*)$")


@pytest.fixture
def ollama():
    with OllamaStandin(catalogue={
        # 9 progress steps 0.5 s apart; the module rewrites its progress file at most once a second.
        "slow:latest": {"layers": [8 * MB, 8 * MB], "delay": 0.5},
        "broken:latest": {"layers": [8 * MB, 1000], "fail_after": 2, "delay": 0.3},
    }) as server:
        yield server


def playbook(tmp_path, url, model):
    """A play that runs the role's configure tasks (as molecule/ollama does), written as JSON."""
    play = [{
        "name": "Converge", "hosts": "localhost", "gather_facts": False,
        "vars_files": [os.path.join(REPO, "roles/ollama/defaults/main.yml")],
        "tasks": [{
            "name": "Converge the models.",
            "ansible.builtin.include_tasks": os.path.join(REPO, "roles/ollama/tasks/configure.yml"),
            "vars": {"ollama_api_url": url, "ollama_models": [{"name": model}], "ollama_progress_interval": 0.2,
                     "ollama_progress_file": str(tmp_path / "progress.json")},
        }],
    }]
    path = tmp_path / "play.yml"
    path.write_text(json.dumps(play))
    return path


def start(tmp_path, play, *extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_ASYNC_DIR=str(tmp_path / "async"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "local"),
               ANSIBLE_REMOTE_TEMP=str(tmp_path / "remote"), ANSIBLE_PIPELINING="1")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=" + sys.executable, str(play)] + list(extra)
    return subprocess.Popen(command, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)


def test_long_pull_prints_a_line_every_round(ollama, tmp_path):
    """The pull hangs halfway (the test holds the stand-in's state lock, which the pull needs to record a
    finished layer) until the play has printed ROUNDS progress lines; then it completes."""
    proc = start(tmp_path, playbook(tmp_path, ollama.url, "slow"))
    output, progress, held = [], [], False
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            output.append(line)
            found = LINE.match(line.rstrip("\n"))
            if found:
                progress.append((time.monotonic(), found.group(1)))
                if not held and found.group(1).startswith("pulling"):
                    ollama.state.lock.acquire()
                    held = True
                elif held and len(progress) >= ROUNDS:
                    ollama.state.lock.release()
                    held = False
        proc.wait()
    finally:
        watchdog.cancel()
        if held:
            ollama.state.lock.release()
    text = "".join(output)
    assert proc.returncode == 0, text
    assert len(progress) >= ROUNDS, text
    assert any(re.match(r"pulling \w+ \d+\.\d% \(\d+\.\d MB of 16\.0 MB\)$", p[1]) for p in progress), text
    assert re.search(r"ok: \[localhost\] => \n?.*slow:latest: pull", text, re.S), text
    assert re.search(r"localhost\s+: ok=\d+\s+changed=1 .*failed=0", text), text
    # The lines came while the task ran, not all at its end, and a round does not get slower as rounds
    # pile up (each round of the self-including file cost more than the one before).
    times = [p[0] for p in progress]
    assert times[-1] - times[0] > ROUNDS * 0.2 * 0.9, times
    early, late = times[10] - times[0], times[-1] - times[-11]
    assert late < 2 * early, (early, late)
    assert not (tmp_path / "progress.json").exists()
    assert os.listdir(str(tmp_path / "async")) == [], "the async job file must be cleaned up"


def test_a_failed_pull_fails_the_wait_with_the_module_message(ollama, tmp_path):
    proc = start(tmp_path, playbook(tmp_path, ollama.url, "broken"))
    text = proc.communicate(timeout=120)[0]
    assert proc.returncode == 2, text
    assert re.search(r"TASK \[Follow the downloads until they end\.\].*fatal: \[localhost\]: FAILED!.*"
                     r"connection reset by peer", text, re.S), text
    assert "Summarise the models" not in text
    assert not (tmp_path / "progress.json").exists()
    assert os.listdir(str(tmp_path / "async")) == []


def test_check_mode_starts_no_job(ollama, tmp_path):
    proc = start(tmp_path, playbook(tmp_path, ollama.url, "slow"), "--check")
    text = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, text
    assert re.search(r"TASK \[Check the models \(check mode pulls nothing\)\.\] \**\s*changed: \[localhost\]", text), text
    assert re.search(r"TASK \[Follow the downloads until they end\.\] \**\s*skipping: \[localhost\]", text), text
    assert not any(LINE.match(line) for line in text.splitlines()), text
    assert [r for r in ollama.state.requests if r[1] == "/api/pull"] == []
    assert not (tmp_path / "async").exists()
