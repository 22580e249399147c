# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""xmpp_probe against a real Prosody, with an echo bot logged in as `bot`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import uuid

from xmpp_echo_bot import DELAY_TAG, EchoBot

MODULE = "xmpp_probe"


def unique(text="hello"):
    return "%s %s" % (text, uuid.uuid4().hex[:8])


def test_round_trip_returns_the_echo(prosody, echo_bot, run_module, probe_args):
    message = unique()
    result = run_module(MODULE, probe_args(text=message))
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is False
    assert result["reply"] == "echo: " + message
    assert result["reply_from"].startswith(prosody.jid("bot") + "/")
    assert result["latency"] > 0
    assert echo_bot.received == [message]


def test_expect_matches(echo_bot, run_module, probe_args):
    result = run_module(MODULE, probe_args(text=unique("ping"), expect=r"^echo: ping [0-9a-f]{8}$"))
    assert not result.get("failed"), result["msg"]


def test_expect_mismatch_quotes_the_reply(echo_bot, run_module, probe_args):
    message = unique()
    result = run_module(MODULE, probe_args(text=message, expect="(?i)pong"))
    assert result["failed"] and result["reason"] == "mismatch"
    assert "does not match" in result["msg"] and repr("echo: " + message) in result["msg"]
    assert result["reply"] == "echo: " + message


def test_no_reply_times_out_naming_the_bot(prosody, run_module, probe_args):
    started = time.monotonic()
    result = run_module(MODULE, probe_args(text=unique(), timeout=2))
    assert result["failed"] and result["reason"] == "timeout"
    assert result["msg"] == "no reply from %s within 2s" % prosody.jid("bot")
    assert 2 <= time.monotonic() - started < 10


class CatchingUpBot(EchoBot):
    """A slow bot catching up: messages that waited in offline storage are answered only when a live one
    arrives, just before the live one."""

    def __init__(self, server):
        super(CatchingUpBot, self).__init__(server, lambda body: "echo: " + body)
        self.backlog = []

    def on_message(self, msg):
        if not msg["body"]:
            return
        if msg.xml.find(DELAY_TAG) is not None:
            self.backlog.append(msg)
            return
        for old in self.backlog:
            old.reply("late: " + old["body"]).send()
        self.received.append(msg["body"])
        msg.reply(self.reply(msg["body"])).send()


def test_late_answer_to_an_earlier_probe_is_not_the_reply(prosody, run_module, probe_args):
    first, second = unique("first"), unique("second")
    assert run_module(MODULE, probe_args(text=first, timeout=1))["reason"] == "timeout"
    bot = CatchingUpBot(prosody).start()
    try:
        result = run_module(MODULE, probe_args(text=second))
    finally:
        bot.stop()
    assert first in [old["body"] for old in bot.backlog]
    assert result.get("reply") == "echo: " + second, result["msg"]


def test_bad_password_is_an_auth_failure(prosody, run_module, probe_args):
    result = run_module(MODULE, probe_args(password="wrong-password-123"))
    assert result["failed"] and result["reason"] == "auth"
    assert result["msg"].startswith("authentication failed for %s" % prosody.jid("alice"))
    assert "wrong-password-123" not in result["_stdout"]


def test_closed_port_is_a_connection_failure(run_module, probe_args, closed_port):
    result = run_module(MODULE, probe_args(port=closed_port))
    assert result["failed"] and result["reason"] == "connect"
    assert result["msg"] == "cannot connect to 127.0.0.1:%d: Connection refused" % closed_port


def test_unknown_host_is_a_connection_failure(run_module, probe_args):
    result = run_module(MODULE, probe_args(server="no-such-host.invalid"))
    assert result["failed"] and result["reason"] == "connect"
    assert "no-such-host.invalid" in result["msg"] and "does not resolve" in result["msg"]


def test_self_signed_without_ca_path_is_a_tls_failure(run_module, probe_args):
    result = run_module(MODULE, probe_args(ca_path=None))
    assert result["failed"] and result["reason"] == "tls"
    assert "self-signed certificate" in result["msg"]
    assert "ca_path" in result["msg"] and "validate_certs" in result["msg"]


def test_direct_tls_with_and_without_ca_path(prosody, echo_bot, run_module, probe_args):
    message = unique()
    result = run_module(MODULE, probe_args(tls="direct", port=prosody.tls_port, text=message))
    assert not result.get("failed"), result["msg"]
    assert result["reply"] == "echo: " + message
    refused = run_module(MODULE, probe_args(tls="direct", port=prosody.tls_port, ca_path=None))
    assert refused["failed"] and refused["reason"] == "tls" and "ca_path" in refused["msg"]


def test_validate_certs_false_accepts_the_self_signed_certificate(echo_bot, run_module, probe_args):
    message = unique()
    result = run_module(MODULE, probe_args(ca_path=None, validate_certs=False, text=message))
    assert not result.get("failed"), result["msg"]
    assert result["reply"] == "echo: " + message


def test_tls_none_against_a_server_requiring_encryption(run_module, probe_args):
    result = run_module(MODULE, probe_args(tls="none"))
    assert result["failed"] and result["reason"] == "login"
    assert "tls=none" in result["msg"]


def test_tls_none_and_starttls_on_a_server_allowing_plaintext(open_prosody, run_module):
    args = dict(server=open_prosody.host, port=open_prosody.c2s_port, jid=open_prosody.jid("alice"),
                password=open_prosody.accounts["alice"], to=open_prosody.jid("bot"), timeout=2)
    bot = EchoBot(open_prosody, lambda body: body.upper()).start()
    try:
        plain = run_module(MODULE, dict(args, tls="none", text="plain"))
        encrypted = run_module(MODULE, dict(args, text="encrypted", ca_path=open_prosody.ca_path))
    finally:
        bot.stop()
    assert plain.get("reply") == "PLAIN", plain["msg"]
    assert encrypted.get("reply") == "ENCRYPTED", encrypted["msg"]


def test_unknown_bot_account_is_reported(prosody, run_module, probe_args):
    result = run_module(MODULE, probe_args(to="ghost@" + prosody.domain))
    assert result["failed"] and result["reason"] == "error"
    assert result["msg"] == "ghost@%s could not be reached: service-unavailable" % prosody.domain


def test_check_mode_sends_nothing(echo_bot, run_module, probe_args):
    message = unique()
    result = run_module(MODULE, probe_args(text=message), check=True)
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is False and "nothing sent" in result["msg"]
    assert "reply" not in result
    time.sleep(1)
    assert echo_bot.received == []
    # The same arguments outside check mode do reach the bot.
    assert run_module(MODULE, probe_args(text=message))["reply"] == "echo: " + message
    assert echo_bot.received == [message]


def test_password_never_in_output(prosody, echo_bot, run_module, probe_args):
    password = prosody.accounts["alice"]
    for check in (False, True):
        result = run_module(MODULE, probe_args(text=unique()), check=check)
        assert not result.get("failed"), result["msg"]
        assert password not in result["_stdout"]


def test_bad_options_fail_before_connecting(run_module, probe_args, closed_port):
    cases = [
        (dict(to="bot"), "to: 'bot' must be a JID of the form user@domain"),
        (dict(jid="alice@homelab.test/res"), "jid: 'alice@homelab.test/res' must be a bare JID (no /resource)"),
        (dict(expect="("), "expect is not a valid regular expression"),
        (dict(timeout=0), "timeout must be a positive number of seconds, got 0"),
        (dict(port=70000), "port must be between 1 and 65535, got 70000"),
        (dict(text="  "), "text must not be empty"),
        (dict(ca_path="/nonexistent/ca.pem"), "cannot load ca_path /nonexistent/ca.pem"),
    ]
    for extra, expected in cases:
        args = probe_args(port=closed_port)
        args.update(extra)
        result = run_module(MODULE, args)
        assert result["failed"] and result["msg"].startswith(expected), (extra, result["msg"])
        assert "Connection refused" not in result["msg"]
