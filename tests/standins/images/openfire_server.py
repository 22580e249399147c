# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the Openfire image (ghcr.io/igniterealtime/openfire) in the test cluster.

- 9090: the REST API stand-in (tests/standins/openfire.py, copied into the image as openfire_rest.py), set up
  from /var/lib/openfire/conf/openfire.xml when the init container seeded it: plugin.restapi.* (enabled, httpAuth,
  secret, allowedIPs), adminConsole.access.allow-wildcards-in-excludes (without it every REST call, readiness
  included, is a 302 to /login.jsp, as in Openfire), the autosetup domain and admin password. Without that file:
  the stand-in's defaults (wildcard excludes on). Its data lives in memory: a restart forgets users and groups.
- 5222: XMPP client streams up to STARTTLS: stream header, <stream:features> with <starttls> (<required/> when
  xmpp.client.tls.policy is required, none when disabled), <proceed/>, a TLS handshake with the certificate in
  conf/security/standin-cert.pem on the volume (copied there from resources/security_org by the init container;
  the image's copy otherwise), then features with PLAIN that no login passes. No roster, no messages.
- 7070: HTTP that answers 200 on / (no BOSH, no WebSocket); 5269 accepts and holds when xmpp.server.socket.active.
SIGTERM stops it at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import socket
import ssl
import sys
import threading
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import standin_base  # noqa: E402  pylint: disable=wrong-import-position
import openfire_rest  # noqa: E402  pylint: disable=wrong-import-position,import-error

HOME = "/usr/local/openfire"
DATA = os.environ.get("OPENFIRE_DATA", "/var/lib/openfire")
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
REST_KEYS = ("plugin.restapi.enabled", "plugin.restapi.httpAuth", "plugin.restapi.secret",
             "plugin.restapi.allowedIPs", openfire_rest.WILDCARD)


def flatten(element, prefix=""):
    """openfire.xml as Openfire's dotted XML properties (jive.a.b -> a.b)."""
    found = {}
    for child in element:
        name = prefix + child.tag
        if len(child):
            found.update(flatten(child, name + "."))
        else:
            found[name] = (child.text or "").strip()
    return found


def load_config():
    path = os.path.join(DATA, "conf", "openfire.xml")
    if not os.path.exists(path):
        return None
    return flatten(ET.parse(path).getroot())


def rest_state(props):
    if props is None:
        return openfire_rest.State("example.org", "standin-secret", "admin-pass")
    domain = props.get("autosetup.xmpp.domain") or props.get("xmpp.domain") or "example.org"
    state = openfire_rest.State(domain, props.get("plugin.restapi.secret", ""),
                                props.get("autosetup.admin.password", "admin"), wildcard=False)
    for key in REST_KEYS:
        if props.get(key):
            state.properties[key] = props[key]
    return state


def certificate():
    for folder in (os.path.join(DATA, "conf", "security"), os.path.join(HOME, "resources", "security_org")):
        cert, key = os.path.join(folder, "standin-cert.pem"), os.path.join(folder, "standin-key.pem")
        if os.path.exists(cert) and os.path.exists(key):
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            return context
    raise RuntimeError("no standin-cert.pem/standin-key.pem")


def read_until(conn, pattern, buffer=b""):
    """Read from conn until `pattern` (a regex) matches the buffer; None on EOF."""
    while True:
        match = re.search(pattern, buffer, re.S)
        if match:
            return match, buffer[match.end():]
        data = conn.recv(4096)
        if not data:
            return None, buffer
        buffer += data


def stream_header(domain):
    return ("<?xml version='1.0' encoding='UTF-8'?><stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" "
            "xmlns=\"jabber:client\" from=\"%s\" id=\"%s\" xml:lang=\"en\" version=\"1.0\">"
            % (domain, uuid.uuid4().hex[:10])).encode()


def xmpp_session(conn, tls, policy, domain):
    conn.settimeout(120)
    match, rest = read_until(conn, rb"<stream:stream[^>]*>")
    if match is None:
        return
    to = re.search(rb"to=['\"]([^'\"]+)['\"]", match.group(0))
    host = to.group(1).decode("utf-8", "replace") if to else domain
    mechanisms = "<mechanisms xmlns='%s'><mechanism>PLAIN</mechanism></mechanisms>" % SASL_NS
    starttls = ""
    if policy != "disabled":
        starttls = "<starttls xmlns='%s'>%s</starttls>" % (TLS_NS, "<required/>" if policy == "required" else "")
    conn.sendall(stream_header(host) + ("<stream:features>%s%s</stream:features>" % (starttls, mechanisms)).encode())
    match, rest = read_until(conn, rb"<starttls[^>]*/>|<starttls[^>]*>\s*</starttls>|</stream:stream>|<auth[^>]*>",
                             rest)
    if match is None or not match.group(0).startswith(b"<starttls"):
        if match is not None and match.group(0).startswith(b"<auth"):
            conn.sendall(("<failure xmlns='%s'><not-authorized/></failure>" % SASL_NS).encode())
        conn.sendall(b"</stream:stream>")
        return
    conn.sendall(("<proceed xmlns='%s'/>" % TLS_NS).encode())
    secure = tls.wrap_socket(conn, server_side=True)
    match, rest = read_until(secure, rb"<stream:stream[^>]*>")
    if match is None:
        return
    secure.sendall(stream_header(host) + ("<stream:features>%s</stream:features>" % mechanisms).encode())
    while True:
        match, rest = read_until(secure, rb"<auth[^>]*>.*?</auth>|<auth[^>]*/>|</stream:stream>", rest)
        if match is None or match.group(0) == b"</stream:stream>":
            secure.sendall(b"</stream:stream>")
            return
        secure.sendall(("<failure xmlns='%s'><not-authorized/></failure>" % SASL_NS).encode())


def serve_xmpp(listener, tls, policy, domain):
    def one(conn):
        with conn:
            try:
                xmpp_session(conn, tls, policy, domain)
            except (OSError, ssl.SSLError):
                pass

    standin_base.accept_forever(listener, one)


class HttpBind(BaseHTTPRequestHandler):
    server_version = "Jetty(standin)"

    def log_message(self, *args):
        pass

    def do_GET(self):
        status, body = (200, b"Openfire HTTP binding (stand-in)\n") if self.path == "/" else (404, b"")
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    standin_base.exit_on_signals()
    props = load_config()
    state = rest_state(props)
    policy = (props or {}).get("xmpp.client.tls.policy", "optional")
    tls = certificate()
    threading.Thread(target=standin_base.http_server(7070, HttpBind).serve_forever, daemon=True).start()
    xmpp = socket.create_server(("0.0.0.0", 5222), backlog=64)
    threading.Thread(target=serve_xmpp, args=(xmpp, tls, policy, state.domain), daemon=True).start()
    if (props or {}).get("xmpp.server.socket.active") == "true":
        s2s = socket.create_server(("0.0.0.0", 5269), backlog=16)
        threading.Thread(target=standin_base.accept_forever, args=(s2s,), daemon=True).start()
    rest = standin_base.http_server(9090, openfire_rest.Handler, state=state)
    sys.stdout.write("openfire stand-in for %s (%s): xmpp 5222 (tls %s), http-bind 7070, admin/REST 9090\n"
                     % (state.domain, "seeded openfire.xml" if props is not None else "defaults", policy))
    sys.stdout.flush()
    rest.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
