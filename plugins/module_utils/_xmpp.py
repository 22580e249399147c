# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the XMPP round trip behind xmpp_probe.

"""Log in to an XMPP server with slixmpp, send one message, wait for the first reply.

Every failure raises ProbeError with a ``reason`` (auth, connect, tls, login,
error, timeout) and a message meant for the user; no message ever contains the
password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import logging
import os
import ssl
import time
import traceback

try:
    import slixmpp
    from slixmpp.jid import InvalidJID
except ImportError:
    HAS_SLIXMPP = False
    SLIXMPP_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_SLIXMPP = True
    SLIXMPP_IMPORT_ERROR = None

DELAY_TAG = "{urn:xmpp:delay}delay"
# slixmpp logs every connection problem itself; the module reports them in its result instead.
logging.getLogger("slixmpp").addHandler(logging.NullHandler())
logging.getLogger("slixmpp").propagate = False


class ProbeError(Exception):
    """A failed probe: reason is a short keyword, message the user-facing text."""

    def __init__(self, reason, message):
        super(ProbeError, self).__init__(message)
        self.reason = reason
        self.message = message


def parse_jid(value, option, resource=False):
    """The JID in `value` as text, or ValueError naming `option`.

    Needs a localpart and a domain; a resource only where `resource` is True.
    """
    try:
        jid = slixmpp.JID(value)
    except InvalidJID as exc:
        raise ValueError("%s: %r is not a valid JID (%s)" % (option, value, exc))
    if not jid.user or not jid.domain:
        raise ValueError("%s: %r must be a JID of the form user@domain" % (option, value))
    if jid.resource and not resource:
        raise ValueError("%s: %r must be a bare JID (no /resource)" % (option, value))
    return jid.full


def tls_context(validate_certs, ca_path):
    """The SSL context for STARTTLS and direct TLS.

    The certificate is checked against the JID's domain, not the address connected to.
    """
    if not validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_path)


def _tls_hint(exc, validate_certs, ca_path):
    detail = getattr(exc, "verify_message", None) or str(exc)
    if validate_certs and not ca_path:
        return "%s. Set ca_path to the CA that signed the server's certificate, or validate_certs=false" % detail
    if validate_certs:
        return "%s (CA file %s)" % (detail, ca_path)
    return detail


class _RoundTrip:
    """One login + message + reply, driven on its own event loop."""

    def __init__(self, params, context):
        self.p = params
        self.where = "%s:%d" % (params["server"], params["port"])
        self.loop = asyncio.new_event_loop()
        self.session = self.loop.create_future()
        self.reply = self.loop.create_future()
        mechanisms = {}
        if params["tls"] == "none":
            mechanisms = {"unencrypted_plain": True, "unencrypted_scram": True}
        self.client = slixmpp.ClientXMPP(params["jid"], params["password"], loop=self.loop,
                                         plugin_config={"feature_mechanisms": mechanisms})
        self.client.ssl_context = context
        self.client.enable_direct_tls = params["tls"] == "direct"
        self.client.enable_starttls = params["tls"] == "starttls"
        self.client.enable_plaintext = params["tls"] == "none"
        self.sent_at = None
        for event, handler in (
            ("connection_failed", self.on_connection_failed),
            ("ssl_invalid_chain", self.on_tls_failure),
            ("failed_auth", self.on_failed_auth),
            ("no_auth", self.on_no_auth),
            ("stream_negotiated", self.on_negotiated),
            ("stream_error", self.on_stream_error),
            ("disconnected", self.on_disconnected),
            ("session_start", self.on_session_start),
            ("message", self.on_message),
            ("message_error", self.on_message_error),
        ):
            self.client.add_event_handler(event, handler)

    def fail(self, reason, message):
        """Fail the step under way (login until the message is sent, then the reply); later failures are echoes."""
        future = self.session if self.sent_at is None else self.reply
        if not future.done():
            future.set_exception(ProbeError(reason, message))

    # -- login ---------------------------------------------------------------

    def on_connection_failed(self, error):
        if isinstance(error, ssl.SSLError):
            self.on_tls_failure(error)
        elif isinstance(error, OSError):
            self.fail("connect", "cannot connect to %s: %s" % (self.where, os.strerror(error.errno) if error.errno else error))
        else:  # slixmpp reports a failed name lookup as text
            self.fail("connect", "cannot connect to %s: name %r does not resolve" % (self.where, self.p["server"]))

    def on_tls_failure(self, error):
        self.fail("tls", "TLS with %s failed: %s" % (
            self.where, _tls_hint(error, self.p["validate_certs"], self.p["ca_path"])))

    def on_failed_auth(self, stanza):
        self.fail("auth", "authentication failed for %s (%s)" % (self.p["jid"], stanza["condition"]))

    def on_no_auth(self, event):
        encrypted = "starttls" in self.client.features or self.p["tls"] == "direct"
        hint = "" if encrypted else ": the connection is not encrypted (did the server offer STARTTLS?)"
        self.fail("login", "cannot log in as %s on %s: no usable SASL mechanism%s" % (self.p["jid"], self.where, hint))

    def on_negotiated(self, event):
        if not self.client.authenticated:
            self.fail("login", "%s offered no way to log in with tls=%s (does it require encryption?)"
                      % (self.where, self.p["tls"]))

    def on_stream_error(self, error):
        self.fail("error", ("%s closed the stream: %s %s" % (self.where, error["condition"], error["text"])).strip())

    def on_disconnected(self, reason):
        if isinstance(reason, ssl.SSLError):  # a failed STARTTLS handshake ends the connection first
            self.on_tls_failure(reason)
        else:
            self.fail("connect", "%s closed the connection%s" % (self.where, ": %s" % reason if reason else ""))

    def on_session_start(self, event):
        # Initial presence: the server then routes messages for the bare JID here too.
        self.client.send_presence()
        if not self.session.done():
            self.session.set_result(True)

    # -- reply ---------------------------------------------------------------

    def from_target(self, msg):
        """Sent by the bot to this session (full JID) or this account (bare JID).

        A late answer to an earlier probe is addressed to that probe's resource and does not count.
        """
        return (self.sent_at is not None and msg["from"].bare == self.p["to"]
                and msg["to"].full in (self.client.boundjid.full, self.client.boundjid.bare))

    def on_message(self, msg):
        # Only a live answer with text: no chat states, no offline (delayed) leftovers.
        if not self.from_target(msg) or not msg["body"] or msg.xml.find(DELAY_TAG) is not None:
            return
        if not self.reply.done():
            self.reply.set_result((msg["body"], msg["from"].full, time.monotonic() - self.sent_at))

    def on_message_error(self, msg):
        if self.from_target(msg):
            self.fail("error", ("%s could not be reached: %s %s"
                                % (self.p["to"], msg["error"]["condition"], msg["error"]["text"])).strip())

    # -- run -----------------------------------------------------------------

    async def run(self):
        timeout = self.p["timeout"]
        try:
            self.client.connect(self.p["server"], self.p["port"])
            try:
                await asyncio.wait_for(self.session, timeout)
            except asyncio.TimeoutError:
                raise ProbeError("login", "no session as %s on %s within %ss" % (self.p["jid"], self.where, timeout))
            self.sent_at = time.monotonic()
            self.client.send_message(mto=self.p["to"], mbody=self.p["text"], mtype="chat")
            try:
                body, sender, latency = await asyncio.wait_for(self.reply, timeout)
            except asyncio.TimeoutError:
                raise ProbeError("timeout", "no reply from %s within %ss" % (self.p["to"], timeout))
            return {"reply": body, "reply_from": sender, "latency": round(latency, 3)}
        finally:
            await self.close()

    async def close(self):
        self.client.cancel_connection_attempt()
        self.client.del_event_handler("disconnected", self.on_disconnected)
        if self.client.transport is not None:
            try:
                await asyncio.wait_for(self.client.disconnect(wait=1), 3)
            except asyncio.TimeoutError:
                self.client.abort()

    def __call__(self):
        try:
            return self.loop.run_until_complete(self.run())
        finally:
            pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.close()


def probe(params):
    """Run one round trip; return {reply, reply_from, latency} or raise ProbeError.

    params: server, port, jid, password, to, text, timeout, tls, validate_certs, ca_path.
    """
    try:
        context = tls_context(params["validate_certs"], params["ca_path"])
    except (ssl.SSLError, OSError) as exc:
        raise ProbeError("tls", "cannot load ca_path %s: %s" % (params["ca_path"], exc))
    return _RoundTrip(params, context)()
