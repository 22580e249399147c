# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""50 vhosts: homelab.llm_stack.rabbitmq_vhost (one task, list form) vs
community.rabbitmq.rabbitmq_vhost (HTTP mode, one task with a loop), same broker, same run.

Each side creates its 50 vhosts, then re-runs as a no-op; the vhosts are removed afterwards.
Uses the harness broker (tests/harness/rabbitmq.py), started here unless one is running.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness.rabbitmq import Broker  # noqa: E402  pylint: disable=wrong-import-position

COUNT = 50

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    names: "{{ range(%(count)d) | map('string') | map('regex_replace', '^', '%(prefix)s') | list }}"
  tasks:
%(task)s
"""

OURS = """    - homelab.llm_stack.rabbitmq_vhost:
        api_url: "%(url)s"
        api_user: "%(user)s"
        api_password: "%(password)s"
        vhosts: "{{ names | map('community.general.dict_kv', 'name') | map('combine', {'state': '%(state)s'}) | list }}"
"""

THEIRS = """    - community.rabbitmq.rabbitmq_vhost:
        login_protocol: http
        login_host: "%(host)s"
        login_port: "%(port)s"
        login_user: "%(user)s"
        login_password: "%(password)s"
        name: "{{ item }}"
        state: %(state)s
      loop: "{{ names }}"
"""


def playbook(directory, name, task, broker, prefix, state):
    host, port = broker.api_url.split("//")[1].split(":")
    values = dict(url=broker.api_url, host=host, port=port, user=broker.user, password=broker.password,
                  state=state, count=COUNT, prefix=prefix)
    path = os.path.join(directory, name + ".yml")
    with open(path, "w") as handle:
        handle.write(PLAY % dict(count=COUNT, prefix=prefix, task=task % values))
    return path


def run(path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"),
               ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    started = time.time()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,", path],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=REPO,
                          check=False)
    elapsed = time.time() - started
    if proc.returncode:
        raise SystemExit("%s failed:\n%s\n%s" % (path, proc.stdout[-3000:], proc.stderr[-3000:]))
    stats = json.loads(proc.stdout)["stats"]["localhost"]
    return elapsed, stats["changed"]


def main():
    broker = Broker().start()
    results = {}
    try:
        with tempfile.TemporaryDirectory() as directory:
            for side, task, prefix in (("homelab.llm_stack (list form)", OURS, "bench-ours-"),
                                       ("community.rabbitmq (loop)", THEIRS, "bench-theirs-")):
                create = playbook(directory, "create", task, broker, prefix, "present")
                results[side] = dict(create=run(create), noop=run(create))
                run(playbook(directory, "delete", OURS, broker, prefix, "absent"))
    finally:
        if broker.started_here:
            broker.stop()
    print("%d vhosts, RabbitMQ broker %s" % (COUNT, broker.api_url))
    print("%-32s %12s %12s" % ("", "create (s)", "no-op (s)"))
    for side, timing in results.items():
        assert timing["noop"][1] == 0, "%s: the no-op run changed something" % side
        print("%-32s %12.2f %12.2f" % (side, timing["create"][0], timing["noop"][0]))
    ours, theirs = list(results.values())
    print("speed-up: create %.1fx, no-op %.1fx"
          % (theirs["create"][0] / ours["create"][0], theirs["noop"][0] / ours["noop"][0]))


if __name__ == "__main__":
    main()
