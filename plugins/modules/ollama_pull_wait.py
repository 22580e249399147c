#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the work is done by the action plugin of the same name, on the controller.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ollama_pull_wait
short_description: Wait for a background ollama_model job and print its download progress
version_added: 0.1.0
description:
  - Follows a M(homelab.llm_stack.ollama_model) task started with C(async) and C(poll=0) and a O(progress_file).
  - "Every O(interval) seconds it asks C(async_status) whether the job is done and, while it is not, reads the progress
    file on the managed host and prints one line to the play output, for example
    C([2/4] llama3.2:3b: pulling c0f35e7bab0d 75.0% (60.0 MB of 80.0 MB))."
  - The waiting is a loop inside one task on the controller, so a pull may run for hours (a task file that
    includes itself to poll hits Python's recursion limit after a few hundred rounds).
  - When the job ends, its result becomes this task's result (C(changed), C(results), or C(failed) with the
    module's C(msg)); the async job file and the progress file are removed.
options:
  jid:
    description:
      - The C(ansible_job_id) of the registered async task.
      - An empty string means there is no job (for example the start was skipped); the task is then skipped.
    type: str
    required: true
  progress_file:
    description:
      - The O(homelab.llm_stack.ollama_model#module:progress_file) given to the job, a path on the managed host.
    type: str
    required: true
  interval:
    description:
      - Seconds between two checks, so between two progress lines; fractions are allowed.
    type: float
    default: 5
  timeout:
    description:
      - Fail when the job still runs after this many seconds (the job itself is stopped by its C(async) limit).
    type: int
    default: 3600
extends_documentation_fragment:
  - homelab.llm_stack.attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Waits as outside check mode and removes the finished job's files (the job itself really ran).
      - With no job (an empty O(jid)) the task is skipped.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - Reports the change of the job it waits for.
seealso:
  - module: homelab.llm_stack.ollama_model
  - module: ansible.builtin.async_status
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Pull the models in the background
  homelab.llm_stack.ollama_model:
    models:
      - name: llama3.1:70b
      - name: qwen2.5:1.5b
    progress_file: /tmp/ollama-progress.json
  async: 14400
  poll: 0
  register: pull_job

- name: Print the progress every 5 seconds until the pull is done, then report its result
  homelab.llm_stack.ollama_pull_wait:
    jid: "{{ pull_job.ansible_job_id }}"
    progress_file: /tmp/ollama-progress.json
    timeout: 14400
  register: pull_result
"""

RETURN = r"""
changed:
  description: Whether the job changed any model.
  returned: always
  type: bool
results:
  description: The job's O(homelab.llm_stack.ollama_model#module:models) results, one entry per model.
  returned: when the job succeeded
  type: list
  elements: dict
  sample:
    - name: llama3.2:3b
      model: llama3.2:3b
      changed: true
      action: pull
msg:
  description: The job's error message.
  returned: when the job failed, or with no job
  type: str
  sample: "POST http://10.43.0.20:11434/api/pull: HTTP 200: failed after the stream started (server said: ...)"
"""
