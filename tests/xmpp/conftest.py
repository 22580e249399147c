# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real Prosody (tests/harness/prosody.py) and an echo bot for the xmpp_probe tests.

The session server requires encryption (c2s STARTTLS and direct TLS with a
self-signed certificate); `open_prosody` is a second one that also allows
unencrypted logins. Both use their own ports and directories, so a server
started with the harness CLI keeps running beside them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import secrets
import socket

import pytest

from harness.prosody import Prosody
from xmpp_echo_bot import EchoBot


def start_server(base, c2s_port, tls_port, require_encryption):
    accounts = {name: secrets.token_urlsafe(12) for name in ("bot", "alice")}
    return Prosody(base=base, require_encryption=require_encryption, c2s_port=c2s_port,
                   tls_port=tls_port).start(accounts)


@pytest.fixture(scope="session")
def prosody():
    server = start_server("/tmp/llm-stack-prosody-pytest", 25232, 25233, require_encryption=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def open_prosody():
    server = start_server("/tmp/llm-stack-prosody-pytest-open", 25242, 25243, require_encryption=False)
    yield server
    server.stop()


@pytest.fixture
def probe_args(prosody):
    """xmpp_probe options for alice → bot over STARTTLS, trusting the test certificate."""
    def build(**extra):
        args = dict(server=prosody.host, port=prosody.c2s_port, jid=prosody.jid("alice"),
                    password=prosody.accounts["alice"], to=prosody.jid("bot"), ca_path=prosody.ca_path, timeout=5)
        args.update(extra)
        return args
    return build


@pytest.fixture
def echo_bot(prosody):
    bot = EchoBot(prosody, lambda body: "echo: " + body).start()
    yield bot
    bot.stop()


@pytest.fixture
def closed_port():
    """A loopback port where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
