# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real Prosody XMPP server for tests, on loopback only, with its own config,
ports, data directory and a self-signed certificate for its domain.

Installs Debian's prosody when it is missing (a policy-rc.d keeps the package
from starting the system server), writes ``prosody.cfg.lua`` into its own
directory, generates a certificate for the VirtualHost with openssl (so
STARTTLS and direct TLS work; the certificate is also the CA file clients
trust), creates accounts with ``prosodyctl --config <cfg> register``, runs
``prosody -F`` as a child process and waits for the c2s port.

Library: ``Prosody(require_encryption=True).start({"bot": "pw"})`` / ``.stop()``
(used by tests/xmpp/conftest.py). CLI (molecule, e2e, benchmarks)::

    python tests/harness/prosody.py start [--no-require-encryption] [--account user=password ...]
    python tests/harness/prosody.py stop

``start`` prints PROSODY_*=... lines (domain, ports, CA file, accounts). Without
--account it creates ``bot`` and ``alice`` with random passwords.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

try:
    from harness.debian_packages import apt_install
except ImportError:  # run as a script: this folder is on sys.path
    from debian_packages import apt_install

HOST = "127.0.0.1"
DOMAIN = os.environ.get("LLM_STACK_PROSODY_DOMAIN", "homelab.test")
C2S_PORT = int(os.environ.get("LLM_STACK_PROSODY_C2S_PORT", "25222"))
TLS_PORT = int(os.environ.get("LLM_STACK_PROSODY_TLS_PORT", "25223"))
BASE = os.environ.get("LLM_STACK_PROSODY_DIR", "/tmp/llm-stack-prosody")
USER = "prosody"

CONFIG = """-- Written by tests/harness/prosody.py: a loopback-only test server.
pidfile = "{base}/prosody.pid"
data_path = "{base}/data"
log = {{ info = "{base}/prosody.log"; error = "{base}/prosody.err" }}
interfaces = {{ "{host}" }}
c2s_ports = {{ {c2s_port} }}
c2s_direct_tls_ports = {{ {tls_port} }}
s2s_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "offline"; "posix" }}
modules_disabled = {{ "s2s" }}
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = {require_encryption}
allow_unencrypted_plain_auth = false
c2s_direct_tls_ssl = {{ certificate = "{cert}"; key = "{key}" }}

VirtualHost "{domain}"
    ssl = {{ certificate = "{cert}"; key = "{key}" }}
"""


def install():
    """apt-get install prosody without letting its postinst start a server."""
    if shutil.which("prosody") and shutil.which("prosodyctl") and shutil.which("openssl"):
        return
    # lua-unbound (a Recommends) only silences a warning on every prosodyctl call; openssl makes the test certificate.
    apt_install("prosody", ["prosody", "lua-unbound", "openssl"])


def port_open(port, host=HOST):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Prosody:
    """One test server; its settings and accounts live in BASE/state.json."""

    def __init__(self, base=BASE, domain=DOMAIN, require_encryption=True, c2s_port=C2S_PORT, tls_port=TLS_PORT):
        self.base = base
        self.domain = domain
        self.require_encryption = require_encryption
        self.host = HOST
        self.c2s_port = c2s_port
        self.tls_port = tls_port
        self.config = os.path.join(base, "prosody.cfg.lua")
        self.ca_path = os.path.join(base, "certs", domain + ".crt")
        self.key_path = os.path.join(base, "certs", domain + ".key")
        self.state_file = os.path.join(base, "state.json")
        self.pid_file = os.path.join(base, "prosody.pid")
        self.accounts = {}
        self.process = None

    @staticmethod
    def as_user():
        """Popen arguments that drop root to the prosody user (Prosody will not run as root)."""
        if os.geteuid() == 0:
            return {"user": USER, "group": USER, "extra_groups": []}
        return {}

    def jid(self, user):
        return "%s@%s" % (user, self.domain)

    # -- setup ---------------------------------------------------------------

    def write_files(self):
        os.makedirs(os.path.join(self.base, "data"))
        os.makedirs(os.path.dirname(self.ca_path))
        subprocess.check_call(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
             "-subj", "/CN=" + self.domain, "-addext", "subjectAltName=DNS:%s,DNS:*.%s" % (self.domain, self.domain),
             "-keyout", self.key_path, "-out", self.ca_path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(self.config, "w") as handle:
            handle.write(CONFIG.format(
                base=self.base, host=HOST, c2s_port=self.c2s_port, tls_port=self.tls_port, domain=self.domain,
                cert=self.ca_path, key=self.key_path, require_encryption=str(self.require_encryption).lower()))
        if os.geteuid() == 0:
            subprocess.check_call(["chown", "-R", "%s:%s" % (USER, USER), self.base])
            os.chmod(self.base, 0o755)
            os.chmod(os.path.dirname(self.ca_path), 0o755)
            os.chmod(self.ca_path, 0o644)

    def register(self, user, password):
        """Create (or reset the password of) one account."""
        subprocess.check_call(["prosodyctl", "--config", self.config, "register", user, self.domain, password],
                              stdout=subprocess.DEVNULL, **self.as_user())
        self.accounts[user] = password
        self.save_state()

    def save_state(self):
        with open(self.state_file, "w") as handle:
            json.dump({"require_encryption": self.require_encryption, "accounts": self.accounts}, handle)
        os.chmod(self.state_file, 0o600)

    # -- lifecycle -----------------------------------------------------------

    def start(self, accounts=None, timeout=30):
        """Start a fresh server with `accounts` ({user: password}); return self."""
        install()
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
        self.write_files()
        for user, password in (accounts or {}).items():
            self.register(user, password)
        self.save_state()
        with open(os.path.join(self.base, "stdout.log"), "w") as out:
            # Own session: the server survives the CLI that started it; stop() signals its pid.
            self.process = subprocess.Popen(["prosody", "--config", self.config, "-F"], stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True, **self.as_user())
        deadline = time.time() + timeout
        while not (port_open(self.c2s_port) and port_open(self.tls_port)):
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("Prosody did not listen on %s:%d within %ds; logs in %s"
                                   % (HOST, self.c2s_port, timeout, self.base))
            time.sleep(0.2)
        return self

    def stop(self, timeout=10):
        """Stop the server started here or by an earlier CLI call (pid file)."""
        pid = self.process.pid if self.process else None
        if pid is None and os.path.exists(self.pid_file):
            with open(self.pid_file) as handle:
                pid = int(handle.read().strip() or 0) or None
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process is not None:
                if self.process.poll() is not None:
                    break
            elif not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        self.process = None
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)

    def exports(self):
        values = {
            "PROSODY_DOMAIN": self.domain,
            "PROSODY_HOST": HOST,
            "PROSODY_C2S_PORT": str(self.c2s_port),
            "PROSODY_TLS_PORT": str(self.tls_port),
            "PROSODY_CA_PATH": self.ca_path,
            "PROSODY_CONFIG": self.config,
        }
        for user, password in sorted(self.accounts.items()):
            values["PROSODY_ACCOUNT_%s" % user.upper()] = "%s:%s" % (self.jid(user), password)
        return values


def main(argv):
    parser = argparse.ArgumentParser(prog=os.path.basename(argv[0]), description="Test Prosody on loopback.")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--no-require-encryption", dest="require_encryption", action="store_false",
                        help="allow logins without TLS (c2s_require_encryption = false)")
    parser.add_argument("--account", action="append", default=[], metavar="USER=PASSWORD",
                        help="account to create (repeatable); default: bot and alice with random passwords")
    args = parser.parse_args(argv[1:])
    server = Prosody(require_encryption=args.require_encryption)
    if args.action == "stop":
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)
        return 0
    if any("=" not in item for item in args.account):
        parser.error("--account takes USER=PASSWORD")
    accounts = dict(item.split("=", 1) for item in args.account)
    if not accounts:
        accounts = {"bot": secrets.token_urlsafe(12), "alice": secrets.token_urlsafe(12)}
    server.start(accounts)
    for key, value in sorted(server.exports().items()):
        print("%s=%s" % (key, value))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
