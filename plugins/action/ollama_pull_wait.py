# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wait for an ollama_model job started with async/poll 0, printing its progress file every interval
(a plain loop in the worker: no task recursion, so a pull may take hours)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.homelab.llm_stack.plugins.module_utils._ollama import progress_line

ARGUMENT_SPEC = dict(
    jid=dict(type="str", required=True),
    # A path on the managed host: "str", as "path" would expand ~ and variables on the controller.
    progress_file=dict(type="str", required=True),
    interval=dict(type="float", default=5.0),
    timeout=dict(type="int", default=3600),
)
# Keys async_status adds to the job's own result.
ASYNC_KEYS = ("ansible_job_id", "started", "finished", "results_file", "invocation")

display = Display()


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(ARGUMENT_SPEC)
        if not args["jid"]:
            return dict(result, changed=False, skipped=True, msg="no job to wait for")
        if args["interval"] <= 0 or args["timeout"] <= 0:
            raise AnsibleActionFail("interval and timeout must be more than 0 seconds")
        async_dir = self._remote_expand_user(self.get_shell_option("async_dir", default="~/.ansible_async"))
        job = dict(jid=args["jid"], _async_dir=async_dir)
        deadline = time.monotonic() + args["timeout"]

        while True:
            started = time.monotonic()
            status = self._module("ansible.builtin.async_status", job, task_vars)
            if status.get("finished") or status.get("failed"):
                break
            if started > deadline:
                raise AnsibleActionFail("job %s is still running after %d s" % (args["jid"], args["timeout"]))
            state = self._progress(args["progress_file"], task_vars)
            if state:
                display.display(progress_line(state))
            time.sleep(max(0.0, started + args["interval"] - time.monotonic()))

        self._module("ansible.builtin.async_status", dict(job, mode="cleanup"), task_vars)
        progress_file = self._remote_expand_user(args["progress_file"])
        self._low_level_execute_command(self._connection._shell.remove(progress_file), sudoable=True)
        result.update((k, v) for k, v in status.items() if k not in ASYNC_KEYS)
        return result

    def _module(self, name, args, task_vars):
        return self._execute_module(module_name=name, module_args=dict(args), task_vars=task_vars)

    def _progress(self, path, task_vars):
        """The job's progress state (written atomically), or None while the module has not written it yet."""
        answer = self._module("ansible.builtin.slurp", dict(src=path), task_vars)
        return None if answer.get("failed") else json.loads(base64.b64decode(answer["content"]))
