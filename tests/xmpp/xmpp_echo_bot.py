# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An XMPP peer for the tests: the `bot` account of a test Prosody, echoing on its own thread."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import ssl
import threading

import slixmpp

DELAY_TAG = "{urn:xmpp:delay}delay"


class EchoBot:
    """The `bot` account, logged in on its own thread, answering every live message with `reply(body)`."""

    def __init__(self, server, reply):
        self.server = server
        self.reply = reply
        self.received = []
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.client = slixmpp.ClientXMPP(server.jid("bot"), server.accounts["bot"], loop=self.loop)
        self.client.ssl_context = ssl.create_default_context(cafile=server.ca_path)
        self.client.enable_direct_tls = False
        self.client.add_event_handler("session_start", self.on_session_start)
        self.client.add_event_handler("message", self.on_message)
        self.thread = threading.Thread(target=self.run, daemon=True)

    def on_session_start(self, event):
        self.client.send_presence()
        self.ready.set()

    def on_message(self, msg):
        # Offline messages left by earlier tests arrive delayed: not this test's.
        if msg["type"] == "error" or not msg["body"] or msg.xml.find(DELAY_TAG) is not None:
            return
        self.received.append(msg["body"])
        msg.reply(self.reply(msg["body"])).send()

    def run(self):
        self.client.connect(self.server.host, self.server.c2s_port)
        self.loop.run_until_complete(self.client.disconnected)
        pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def start(self):
        self.thread.start()
        if not self.ready.wait(15):
            raise RuntimeError("echo bot did not log in")
        return self

    def stop(self):
        self.loop.call_soon_threadsafe(self.client.disconnect)
        self.thread.join(10)
