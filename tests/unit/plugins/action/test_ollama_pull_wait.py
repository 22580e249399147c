# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ollama_pull_wait action's loop against a simulated job: one line per round from the
progress file, the job's result as its own, cleanup, timeout, and no job."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.playbook.task import Task

from ansible_collections.homelab.llm_stack.plugins.action import ollama_pull_wait as plugin

RESULT = {"changed": True, "failed": False, "results": [{"name": "m", "model": "m:latest", "action": "pull"}],
          "invocation": {"module_args": {"models": None}}}


class Clock:
    """time.monotonic/time.sleep without waiting."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Job:
    """_execute_module for a job that runs `rounds` status calls, then ends with `result`."""

    def __init__(self, rounds, result, clock, cost=0.0):
        self.rounds = rounds
        self.result = result
        self.clock = clock
        self.cost = cost
        self.calls = []

    def __call__(self, module_name, module_args, task_vars):
        self.calls.append((module_name, module_args))
        self.clock.now += self.cost
        statuses = [c for c in self.calls if c[0] == "ansible.builtin.async_status" and "mode" not in c[1]]
        if module_name == "ansible.builtin.slurp":
            if len(statuses) == 1:
                return {"failed": True, "msg": "file not found: %s" % module_args["src"]}
            state = {"models_total": 1, "models_done": 0, "model": "m:latest", "text": "round %d" % len(statuses)}
            return {"content": base64.b64encode(json.dumps(state).encode()).decode()}
        if module_args.get("mode") == "cleanup":
            return {"ansible_job_id": module_args["jid"], "erased": "/root/.ansible_async/" + module_args["jid"]}
        if len(statuses) <= self.rounds:
            return {"ansible_job_id": module_args["jid"], "started": True, "finished": False}
        return dict(self.result, ansible_job_id=module_args["jid"], started=True, finished=True)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(plugin, "time", fake)
    return fake


@pytest.fixture
def lines(monkeypatch):
    shown = []
    monkeypatch.setattr(plugin.display, "display", shown.append)
    return shown


def action(args, job):
    task = Task()
    task.args = args
    connection = MagicMock()
    connection._shell.tmpdir = None
    connection._shell.remove.side_effect = lambda path: "rm -f %s" % path
    module = plugin.ActionModule(task, connection, MagicMock(), None, None, None)
    module._execute_module = job
    module._remote_expand_user = lambda path: path.replace("~", "/root")
    module.get_shell_option = lambda name, default=None: default
    module._low_level_execute_command = MagicMock(return_value={"rc": 0})
    return module


def test_prints_one_line_per_round_and_returns_the_job_result(clock, lines):
    job = Job(60, RESULT, clock, cost=0.05)
    module = action({"jid": "j1", "progress_file": "~/progress.json", "interval": 0.2}, job)
    result = module.run(task_vars={})

    # Round 1 finds no progress file yet; rounds 2..60 print a line each.
    assert lines == ["[1/1] m:latest: round %d" % n for n in range(2, 61)]
    assert result == {"changed": True, "failed": False, "results": RESULT["results"]}
    # The interval is the period of a round: the module calls' time is taken off the sleep.
    assert clock.sleeps and all(s == pytest.approx(0.1) for s in clock.sleeps)
    assert job.calls[-1] == ("ansible.builtin.async_status",
                             {"jid": "j1", "_async_dir": "/root/.ansible_async", "mode": "cleanup"})
    module._low_level_execute_command.assert_called_once_with("rm -f /root/progress.json", sudoable=True)


def test_a_failed_job_fails_with_its_message(clock, lines):
    failed = {"changed": False, "failed": True, "msg": "POST /api/pull: HTTP 200: failed (server said: boom)"}
    result = action({"jid": "j2", "progress_file": "/tmp/p.json"}, Job(2, failed, clock)).run(task_vars={})
    assert result["failed"] is True and result["msg"] == failed["msg"]
    assert "finished" not in result and "ansible_job_id" not in result
    assert lines == ["[1/1] m:latest: round 2"]


def test_a_failing_status_call_ends_the_wait(clock, lines):
    def broken(module_name, module_args, task_vars):
        return {"failed": True, "msg": "/usr/bin/python3: not found"}

    result = action({"jid": "j4", "progress_file": "/tmp/p.json"}, broken).run(task_vars={})
    assert result["failed"] is True and result["msg"] == "/usr/bin/python3: not found"
    assert lines == [] and clock.sleeps == []


def test_gives_up_after_the_timeout(clock, lines):
    job = Job(10 ** 6, RESULT, clock)
    module = action({"jid": "j3", "progress_file": "/tmp/p.json", "interval": 5, "timeout": 30}, job)
    with pytest.raises(AnsibleActionFail, match="job j3 is still running after 30 s"):
        module.run(task_vars={})
    assert 30 <= clock.now <= 40
    module._low_level_execute_command.assert_not_called()


def test_no_job_is_skipped(clock, lines):
    job = Job(0, RESULT, clock)
    result = action({"jid": "", "progress_file": "/tmp/p.json"}, job).run(task_vars={})
    assert result["skipped"] is True and result["changed"] is False
    assert job.calls == [] and lines == []


@pytest.mark.parametrize("args,text", [
    ({"progress_file": "/tmp/p.json"}, "missing required arguments: jid"),
    ({"jid": "j", "progress_file": "/tmp/p.json", "interval": 0}, "more than 0 seconds"),
    ({"jid": "j", "progress_file": "/tmp/p.json", "api_url": "http://x"}, "Unsupported parameters"),
])
def test_bad_arguments_fail_before_any_call(clock, lines, args, text):
    job = Job(0, RESULT, clock)
    with pytest.raises(AnsibleActionFail, match=text):
        action(args, job).run(task_vars={})
    assert job.calls == []
