# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seed's lab on loopback, without a cluster: real Prosody (standing in for Openfire), real RabbitMQ, the
Ollama stand-in and real n8n 2.41.1 with the real n8n-nodes-xmpp, plus an inventory that points the
collection's configure and verify phases at them.

Used by tests/e2e (pytest) and benchmarks/chat_overhead.py:

    lab = Lab(workdir, load_users=10).start()      # SkipLab when the node tarball cannot be found
    lab.playbook("configure.yml")                  # the real playbooks/configure.yml
    with ChatPool(lab.prosody, ["alice"]) as pool:
        reply = pool.ask("alice", "hello", lab.bot_jid)
    lab.stop()

Every service has its own ports and directories, so other tests' servers keep running beside them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import gc
import json
import os
import re
import secrets
import signal
import ssl
import subprocess
import sys
import threading
import time

import slixmpp
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "collections"))

from harness import n8n as n8n_harness  # noqa: E402
from harness.prosody import Prosody  # noqa: E402
from standins.ollama import DEFAULT_CATALOGUE, OllamaStandin  # noqa: E402
from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient, ApiError  # noqa: E402

XMPP_NODE_VERSION = n8n_harness.XMPP_NODE_VERSION
CACHED_TGZ = n8n_harness.CACHED_XMPP_NODE
DOMAIN = "homelab.test"
BOT = "bot"
HUMAN = "alice"
# Ports of this lab's own Prosody and RabbitMQ (the harness defaults belong to the other tests).
PROSODY_PORTS = (25262, 25263)
RABBITMQ_PORTS = {"AMQP": 35682, "API": 35683, "DIST": 35684, "EPMD": 35685}
RABBITMQ_DIR = "/tmp/llm-stack-rabbitmq-e2e"
PROSODY_DIR = "/tmp/llm-stack-prosody-e2e"
REPLY_QUEUE = "XMPP_MESSAGE_OUT_%s" % BOT
DELAY_TAG = "{urn:xmpp:delay}delay"


class SkipLab(Exception):
    """The lab cannot run here (no n8n-nodes-xmpp); the message says what was tried."""


def find_xmpp_node(workdir):
    """Path of the n8n-nodes-xmpp tarball: $N8N_XMPP_NODE_TGZ, else the cache, else `npm pack` from the registry."""
    tried = []
    env_path = os.environ.get(n8n_harness.XMPP_NODE_TGZ_ENV)
    if env_path:
        if os.path.isfile(env_path):
            return env_path
        tried.append("$%s=%s (no such file)" % (n8n_harness.XMPP_NODE_TGZ_ENV, env_path))
    else:
        tried.append("$%s (not set)" % n8n_harness.XMPP_NODE_TGZ_ENV)
    if os.path.isfile(CACHED_TGZ):
        return CACHED_TGZ
    tried.append("%s (missing)" % CACHED_TGZ)
    spec = "n8n-nodes-xmpp@" + XMPP_NODE_VERSION
    try:
        out = subprocess.run(["npm", "pack", "--silent", spec], cwd=workdir, capture_output=True, text=True,
                             timeout=120, env=n8n_harness._env(), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        tried.append("npm pack %s (%s)" % (spec, exc))
    else:
        name = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        if out.returncode == 0 and name and os.path.isfile(os.path.join(workdir, name)):
            return os.path.join(workdir, name)
        error = (out.stderr.strip().splitlines() or ["exit %d" % out.returncode])[0]
        tried.append("npm pack %s (%s)" % (spec, error))
    raise SkipLab("n8n-nodes-xmpp %s not found, the end-to-end test is NOT run; tried: %s"
                  % (XMPP_NODE_VERSION, "; ".join(tried)))


class Rabbit:
    """tests/harness/rabbitmq.py through its CLI, on this lab's own ports and directory."""

    def __init__(self):
        self.env = dict(os.environ, LLM_STACK_RABBITMQ_DIR=RABBITMQ_DIR)
        for name, port in RABBITMQ_PORTS.items():
            self.env["LLM_STACK_RABBITMQ_%s_PORT" % name] = str(port)
        self.exports = {}

    def cli(self, action):
        return subprocess.run([sys.executable, os.path.join(REPO, "tests", "harness", "rabbitmq.py"), action],
                              env=self.env, check=True, capture_output=True, text=True, timeout=300).stdout

    def start(self):
        self.cli("stop")  # a broker left by an interrupted run
        for line in self.cli("start").splitlines():
            key, value = line.split("=", 1)
            self.exports[key] = value
        self.api = ApiClient(self.exports["RABBITMQ_API_URL"] + "/api",
                             auth=(self.exports["RABBITMQ_API_USER"], self.exports["RABBITMQ_API_PASSWORD"]),
                             retries=0)
        return self

    def stop(self):
        self.cli("stop")

    def queue(self, name, vhost="xmpp"):
        """The management API's view of one queue ({} when it does not exist)."""
        return self.api.get_json("/queues/%s/%s" % (vhost, name)) or {}

    def depth(self, name, vhost="xmpp"):
        """Messages in a queue, ready + unacked, as the broker counts them now (not the sampled stats)."""
        found = self.queue(name, vhost)
        return found.get("messages_ready", 0) + found.get("messages_unacknowledged", 0)


class Lab:
    """Every service of the chat chain, started fresh, plus the inventory that points at them."""

    def __init__(self, workdir, load_users=10, chat_delay=0.0, n8n_env=None):
        self.workdir = workdir
        self.load_users = ["load%02d" % i for i in range(1, load_users + 1)]
        self.chat_delay = chat_delay
        self.n8n_env = n8n_env or {}
        self.inventory = os.path.join(workdir, "inventory")
        self.n8n_state_file = os.path.join(workdir, "n8n-state.json")
        self.prosody = self.rabbit = self.ollama = self.n8n = None
        self.passwords = {}

    @property
    def bot_jid(self):
        return "%s@%s" % (BOT, DOMAIN)

    # -- lifecycle -----------------------------------------------------------------

    def start(self):
        tarball = find_xmpp_node(self.workdir)
        try:
            users = [BOT, HUMAN, "bob"] + self.load_users
            accounts = dict((user, secrets.token_urlsafe(12)) for user in users)
            self.prosody = Prosody(base=PROSODY_DIR, domain=DOMAIN, require_encryption=True,
                                   c2s_port=PROSODY_PORTS[0], tls_port=PROSODY_PORTS[1]).start(accounts)
            self.rabbit = Rabbit().start()
            self.ollama = OllamaStandin(catalogue=DEFAULT_CATALOGUE, chat_delay=self.chat_delay).start()
            self.n8n = self._start_n8n(tarball)
            self.write_inventory()
        except Exception:
            self.stop()
            raise
        return self

    def _start_n8n(self, tarball):
        # The node checks Prosody's self-signed certificate against its CA, given as NODE_EXTRA_CA_CERTS as in K3s;
        # CAs already given that way (a proxy's, which npm needs for the install) are kept beside it.
        bundle = os.path.join(self.workdir, "n8n-extra-ca.pem")
        with open(bundle, "w") as out:
            for path in (os.environ.get("NODE_EXTRA_CA_CERTS"), self.prosody.ca_path):
                if path and os.path.isfile(path):
                    with open(path) as handle:
                        out.write(handle.read().rstrip("\n") + "\n")
        extra = dict(self.n8n_env, NODE_EXTRA_CA_CERTS=bundle)
        saved = dict((k, os.environ.get(k)) for k in extra)
        os.environ.update(extra)
        try:
            return n8n_harness.start(self.n8n_state_file, tarball)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def stop(self):
        for step in (lambda: n8n_harness.stop(self.n8n_state_file), lambda: self.ollama and self.ollama.stop(),
                     lambda: self.rabbit and self.rabbit.stop(), lambda: self.prosody and self.prosody.stop()):
            try:
                step()
            except Exception as exc:  # one failed stop must not leave the others running
                sys.stderr.write("[e2e] stop failed: %s\n" % exc)

    # -- n8n down and up again ------------------------------------------------------

    def stop_n8n(self):
        """SIGTERM n8n's process group and wait until it is gone; its user folder (database) stays."""
        pid = self.n8n["pid"]
        with open("/proc/%d/environ" % pid, "rb") as handle:
            self._n8n_env = dict(item.split(b"=", 1) for item in handle.read().split(b"\0") if b"=" in item)
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            self._n8n_cmd = [part for part in handle.read().split(b"\0") if part]
        os.killpg(pid, signal.SIGTERM)
        deadline = time.time() + 60
        while n8n_harness._alive(pid):
            if time.time() > deadline:
                os.killpg(pid, signal.SIGKILL)
            time.sleep(0.3)

    def start_n8n_again(self, timeout=120):
        """Start n8n with the same command, environment and user folder (the harness only starts fresh ones)."""
        with open(self.n8n["log"], "a") as log:
            proc = subprocess.Popen(self._n8n_cmd, env=self._n8n_env, cwd=self.n8n["user_folder"], stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.n8n["pid"] = proc.pid
        with open(self.n8n_state_file, "w") as handle:
            json.dump(self.n8n, handle)
        rest = ApiClient(self.n8n["url"], timeout=10, retries=0)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if rest.request("GET", "/healthz/readiness", expected=(200, 503)).status_code == 200:
                    return
            except ApiError:
                pass
            time.sleep(1)
        raise RuntimeError("n8n did not come back within %d s; log %s" % (timeout, self.n8n["log"]))

    def wait_for_bot(self, timeout=120):
        """Wait until the bot's trigger is online: it consumes its reply queue (activation is asynchronous)."""
        deadline = time.time() + timeout
        while self.rabbit.queue(REPLY_QUEUE).get("consumers", 0) < 1:
            if time.time() > deadline:
                raise AssertionError("the chat bot's trigger did not consume %s within %d s; n8n log:\n%s"
                                     % (REPLY_QUEUE, timeout, self.n8n_log()[-3000:]))
            time.sleep(1)

    def n8n_api(self):
        return ApiClient(self.n8n["url"] + "/api/v1", headers={"X-N8N-API-KEY": self.n8n["api_key"]}, retries=0)

    def n8n_log(self):
        with open(self.n8n["log"], errors="replace") as handle:
            return handle.read()

    # -- the inventory ----------------------------------------------------------------

    def write_inventory(self):
        """localhost as the only K3s server, every service address and credential endpoint on the harness
        ports, and a secrets.yml holding the passwords the harness accounts already have."""
        os.makedirs(os.path.join(self.inventory, "host_vars"), exist_ok=True)
        localhost = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
        hosts = {"all": {"children": {"k3s_servers": {"hosts": {"localhost": localhost}}, "k3s_agents": {"hosts": {}}}}}
        rabbit = self.rabbit.exports
        host_vars = {
            "llm_stack_kubernetes": False,
            "llm_stack_configure_openfire": False,
            "llm_stack_domain": DOMAIN,
            "xmpp_domain": DOMAIN,
            "xmpp_users": [{"name": BOT}, {"name": HUMAN}],
            "rabbitmq_api_url": rabbit["RABBITMQ_API_URL"],
            "rabbitmq_admin_user": rabbit["RABBITMQ_API_USER"],
            "ollama_api_url": self.ollama.url,
            "ollama_progress_file": os.path.join(self.workdir, "ollama-progress.json"),
            "ollama_progress_interval": 1,
            "n8n_api_url": self.n8n["url"],
            "n8n_api_key": self.n8n["api_key"],
            "n8n_ollama_url": self.ollama.url,
            "n8n_xmpp_service": "xmpp://%s:%d" % (self.prosody.host, self.prosody.c2s_port),
            "n8n_xmpp_domain": DOMAIN,
            "n8n_rabbitmq_host": "127.0.0.1",
            "n8n_rabbitmq_port": int(rabbit["RABBITMQ_AMQP_PORT"]),
            "verify_xmpp_server": self.prosody.host,
            "verify_xmpp_port": self.prosody.c2s_port,
            "verify_xmpp_ca_path": self.prosody.ca_path,
            "verify_probe_user": HUMAN,
            "verify_probe_text": "hello from the verify play",
            "verify_probe_expect": "^echo: hello from the verify play$",
        }
        for name in ("rabbitmq.yml", "ollama.yml", "n8n.yml"):  # the local inventory's data, as a user has it
            with open(os.path.join(REPO, "inventories", "local", "group_vars", "all", name)) as handle:
                host_vars.update((k, v) for k, v in (yaml.safe_load(handle) or {}).items() if k not in host_vars)
        values = dict((name, secrets.token_urlsafe(24)) for name in (
            "k3s_token", "rabbitmq_erlang_cookie", "rabbitmq_xmpp_password", "openfire_admin_password",
            "openfire_rest_secret"))
        values.update(rabbitmq_admin_password=rabbit["RABBITMQ_API_PASSWORD"],
                      n8n_encryption_key=n8n_harness.ENCRYPTION_KEY,
                      n8n_owner_password=n8n_harness.OWNER["password"],
                      xmpp_password_bot=self.prosody.accounts[BOT], xmpp_password_alice=self.prosody.accounts[HUMAN])
        for name, data in (("hosts.yml", hosts), ("host_vars/localhost.yml", host_vars), ("secrets.yml", values)):
            path = os.path.join(self.inventory, name)
            with open(path, "w") as handle:
                yaml.safe_dump(data, handle, default_flow_style=False)
            os.chmod(path, 0o600)

    def playbook(self, name, *args, timeout=600):
        """Run playbooks/<name> against the lab's inventory; returns (rc, output, recap counts of localhost)."""
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
        # The hosts file, not the folder: secrets.yml beside it is not an inventory source.
        out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                              os.path.join(self.inventory, "hosts.yml"),
                              os.path.join(REPO, "playbooks", name)] + list(args), cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=timeout, check=False)
        output = out.stdout + out.stderr
        recap = re.search(r"^localhost\s*:\s*(.*)$", output, re.M)
        counts = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))) if recap else {}
        return out.returncode, output, counts


class ChatPool:
    """XMPP users of the lab's Prosody, logged in on one event loop in a thread; every message they receive
    from the bot is kept (body, arrival time)."""

    def __init__(self, prosody, users):
        self.prosody = prosody
        self.loop = asyncio.new_event_loop()
        self.clients = {}
        self.inbox = dict((user, []) for user in users)
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        for user in users:
            client = slixmpp.ClientXMPP(prosody.jid(user), prosody.accounts[user], loop=self.loop)
            client.ssl_context = ssl.create_default_context(cafile=prosody.ca_path)
            client.enable_direct_tls = False
            client.add_event_handler("session_start", lambda event, c=client: c.send_presence())
            client.add_event_handler("message", lambda msg, u=user: self._received(u, msg))
            self.clients[user] = client

    def _received(self, user, msg):
        if msg["type"] == "error" or not msg["body"] or msg.xml.find(DELAY_TAG) is not None:
            return
        with self.changed:
            self.inbox[user].append((msg["body"], time.monotonic()))
            self.changed.notify_all()

    def __enter__(self):
        self.thread.start()
        waits = []
        for client in self.clients.values():
            started = threading.Event()
            client.add_event_handler("session_start", lambda event, e=started: e.set())
            self.loop.call_soon_threadsafe(client.connect, self.prosody.host, self.prosody.c2s_port)
            waits.append(started)
        for started in waits:
            if not started.wait(30):
                raise RuntimeError("an XMPP test user did not log in within 30 s")
        return self

    def __exit__(self, *exc):
        async def close():
            await asyncio.gather(*(c.disconnect(wait=1) for c in self.clients.values()), return_exceptions=True)
            pending = [t for t in asyncio.all_tasks(self.loop) if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        # The clients go first: slixmpp's streams still schedule on the loop when they are collected.
        self.clients.clear()
        gc.collect()
        self.loop.close()

    def send(self, user, to, text):
        """Send one chat message now; returns the monotonic time it left."""
        self.loop.call_soon_threadsafe(lambda: self.clients[user].send_message(mto=to, mbody=text, mtype="chat"))
        return time.monotonic()

    def wait(self, user, count, timeout):
        """The first `count` messages `user` received (fewer when the timeout passed)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.inbox[user]) < count and time.monotonic() < deadline:
                self.changed.wait(max(0.01, deadline - time.monotonic()))
            return list(self.inbox[user][:count])

    def ask(self, user, to, text, timeout=30):
        """Send one message and return (reply, seconds) of the next message `user` receives (None on timeout)."""
        have = len(self.inbox[user])
        sent = self.send(user, to, text)
        got = self.wait(user, have + 1, timeout)
        if len(got) <= have:
            return None, None
        body, arrived = got[have]
        return body, arrived - sent
