# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real RabbitMQ broker for tests, on loopback only, with its own node name,
ports, epmd, cookie, data and log directories.

Installs Debian's rabbitmq-server when it is missing (a policy-rc.d keeps the
package from starting the system broker), starts
``rabbitmq-server -detached`` with the management plugin, creates an admin
user through the config file (``guest`` never exists) and waits for
``/api/overview``.

Library: ``Broker().start()`` / ``.stop()`` (used by tests/rabbitmq/conftest.py).
CLI (molecule, benchmarks)::

    python tests/harness/rabbitmq.py start   # prints RABBITMQ_API_URL=... lines
    python tests/harness/rabbitmq.py stop

A broker that already answers with the saved credentials is reused.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import secrets
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "collections"))
from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient, ApiError  # noqa: E402

try:
    from harness import harness_cli
    from harness.debian_packages import apt_install
except ImportError:  # run as a script: this folder is on sys.path
    import harness_cli
    from debian_packages import apt_install

HOST = "127.0.0.1"
NODE = "llmstack-test@localhost"
AMQP_PORT = int(os.environ.get("LLM_STACK_RABBITMQ_AMQP_PORT", "35672"))
API_PORT = int(os.environ.get("LLM_STACK_RABBITMQ_API_PORT", "35673"))
DIST_PORT = int(os.environ.get("LLM_STACK_RABBITMQ_DIST_PORT", "35674"))
EPMD_PORT = int(os.environ.get("LLM_STACK_RABBITMQ_EPMD_PORT", "35675"))
BASE = os.environ.get("LLM_STACK_RABBITMQ_DIR", "/tmp/llm-stack-rabbitmq")
ADMIN_USER = "llmstack-admin"
BIN = "/usr/lib/rabbitmq/bin"


def install():
    """apt-get install rabbitmq-server without letting its postinst start a broker."""
    if os.path.exists(os.path.join(BIN, "rabbitmq-server")):
        return
    apt_install("rabbitmq-server", ["rabbitmq-server"])


class Broker:
    """One test broker; its state (admin password) lives in BASE/state.json."""

    def __init__(self, base=BASE):
        self.base = base
        self.state_file = os.path.join(base, "state.json")
        self.api_url = "http://%s:%d" % (HOST, API_PORT)
        self.user = ADMIN_USER
        self.password = None
        self.started_here = False

    # -- environment ---------------------------------------------------------

    def env(self):
        env = dict(os.environ)
        env.update({
            "HOME": self.base,  # the node's own .erlang.cookie
            "RABBITMQ_NODENAME": NODE,
            "RABBITMQ_NODE_IP_ADDRESS": HOST,
            "RABBITMQ_NODE_PORT": str(AMQP_PORT),
            "RABBITMQ_DIST_PORT": str(DIST_PORT),
            "ERL_EPMD_ADDRESS": HOST,
            "ERL_EPMD_PORT": str(EPMD_PORT),
            "RABBITMQ_CONFIG_FILE": os.path.join(self.base, "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(self.base, "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": os.path.join(self.base, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(self.base, "log"),
            "RABBITMQ_PID_FILE": os.path.join(self.base, "rabbitmq.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        })
        return env

    def command(self, tool, *args):
        """argv running a RabbitMQ tool as the rabbitmq user when we are root."""
        argv = [os.path.join(BIN, tool)] + list(args)
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "rabbitmq", "--", "env", "HOME=%s" % self.base] + argv
        return argv

    # -- API -----------------------------------------------------------------

    def answers(self):
        """Whether the management API answers with the saved credentials."""
        client = ApiClient(self.api_url, auth=(self.user, self.password or ""), timeout=5, retries=0)
        try:
            client.get_json("/api/overview", params={"columns": "rabbitmq_version"}, missing=())
            return True
        except ApiError:
            return False
        finally:
            client.close()

    # -- lifecycle -----------------------------------------------------------

    def load_state(self):
        if os.path.exists(self.state_file):
            with open(self.state_file) as handle:
                self.password = json.load(handle)["password"]
        return self.password is not None

    def start(self, timeout=120):
        """Start (or reuse) the broker; return self."""
        if self.load_state() and self.answers():
            return self
        install()
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
        os.makedirs(os.path.join(self.base, "log"))
        self.password = secrets.token_urlsafe(18)
        with open(os.path.join(self.base, "rabbitmq.conf"), "w") as handle:
            handle.write("\n".join([
                "listeners.tcp.default = %s:%d" % (HOST, AMQP_PORT),
                "management.tcp.ip = %s" % HOST,
                "management.tcp.port = %d" % API_PORT,
                "default_user = %s" % ADMIN_USER,
                "default_pass = %s" % self.password,
                "default_user_tags.administrator = true",
                "default_permissions.configure = .*",
                "default_permissions.read = .*",
                "default_permissions.write = .*",
                "",
            ]))
        with open(os.path.join(self.base, "enabled_plugins"), "w") as handle:
            handle.write("[rabbitmq_management].\n")
        with open(self.state_file, "w") as handle:
            json.dump({"password": self.password}, handle)
        os.chmod(self.state_file, 0o600)
        if os.geteuid() == 0:
            subprocess.check_call(["chown", "-R", "rabbitmq:rabbitmq", self.base])
            os.chmod(self.base, 0o755)
        subprocess.check_call(self.command("rabbitmq-server", "-detached"), env=self.env(), cwd=self.base)
        deadline = time.time() + timeout
        while not self.answers():
            if time.time() > deadline:
                raise RuntimeError("RabbitMQ did not answer on %s within %ds; logs in %s/log"
                                   % (self.api_url, timeout, self.base))
            time.sleep(0.5)
        self.started_here = True
        return self

    def running_pid(self):
        """The pid in our pid file when that process is this broker (a stale file may name a reused pid)."""
        try:
            with open(os.path.join(self.base, "rabbitmq.pid")) as handle:
                pid = int(handle.read().strip())
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                return pid if self.base.encode() in handle.read() else None
        except (OSError, ValueError):
            return None

    def stop(self, timeout=90):
        """Stop the node (if it is running) and its private epmd."""
        if not os.path.exists(os.path.join(BIN, "rabbitmqctl")) or not os.path.isdir(self.base):
            return
        env = self.env()
        with open(os.devnull, "w") as devnull:
            if self.running_pid():
                subprocess.call(self.command("rabbitmqctl", "-n", NODE, "stop", os.path.join(self.base, "rabbitmq.pid")),
                                env=env, stdout=devnull, stderr=devnull, cwd=self.base, timeout=timeout)
            subprocess.call(["epmd", "-port", str(EPMD_PORT), "-kill"], env=env, stdout=devnull, stderr=devnull,
                            timeout=30)

    def exports(self):
        return {
            "RABBITMQ_API_URL": self.api_url,
            "RABBITMQ_API_USER": self.user,
            "RABBITMQ_API_PASSWORD": self.password,
            "RABBITMQ_AMQP_PORT": str(AMQP_PORT),
        }


def _stop_and_remove(broker):
    broker.stop()
    shutil.rmtree(broker.base, ignore_errors=True)


if __name__ == "__main__":
    BROKER = Broker()
    sys.exit(harness_cli.main(sys.argv, BROKER.start, lambda: _stop_and_remove(BROKER), BROKER.exports))
