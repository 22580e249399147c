# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the RabbitMQ broker image (docker.io/library/rabbitmq:*-management) in the test cluster.

As `rabbitmq-server` (the image's entrypoint): records a boot in /var/lib/rabbitmq/mnesia (the PVC; one line per
start in `standin-boots`, plus the node's folder `rabbit@<hostname>`), then accepts and holds TCP connections on
5672 (AMQP; it never speaks the protocol) and answers HTTP 200 on / of 15672 (management; no /api). Fails at once
when the data folder is not writable, as the broker would.
As `rabbitmq-diagnostics -q ping | check_port_connectivity`: exit 0 iff 127.0.0.1:5672 accepts a connection.
SIGTERM stops it at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import standin_base  # noqa: E402  pylint: disable=wrong-import-position

AMQP_PORT = 5672
MANAGEMENT_PORT = 15672
MNESIA = os.environ.get("RABBITMQ_MNESIA_BASE", "/var/lib/rabbitmq/mnesia")
PAGE = b"<!DOCTYPE html><html><head><title>RabbitMQ Management</title></head><body>stand-in</body></html>\n"


class Management(BaseHTTPRequestHandler):
    server_version = "Cowboy"

    def log_message(self, *args):
        pass

    def do_GET(self):
        status, body = (200, PAGE) if self.path.split("?")[0] in ("/", "/index.html") else (404, b"Not Found\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def record_boot():
    node = "rabbit@" + socket.gethostname().split(".")[0]
    os.makedirs(os.path.join(MNESIA, node), exist_ok=True)
    with open(os.path.join(MNESIA, "standin-boots"), "a") as handle:
        handle.write("%s %s pid %d\n" % (datetime.datetime.now(datetime.timezone.utc).isoformat(), node, os.getpid()))
    return node


def server():
    standin_base.exit_on_signals()
    try:
        node = record_boot()
    except OSError as exc:
        sys.stderr.write("rabbitmq stand-in: cannot write the data folder %s: %s\n" % (MNESIA, exc))
        return 1
    amqp = socket.create_server(("0.0.0.0", AMQP_PORT), backlog=64)
    threading.Thread(target=standin_base.accept_forever, args=(amqp,), daemon=True).start()
    httpd = standin_base.http_server(MANAGEMENT_PORT, Management)
    sys.stdout.write("rabbitmq stand-in %s: amqp %d, management %d\n" % (node, AMQP_PORT, MANAGEMENT_PORT))
    sys.stdout.flush()
    httpd.serve_forever()
    return 0


def diagnostics(argv):
    args = [a for a in argv if a not in ("-q", "--quiet")]
    if not args or args[0] not in ("ping", "check_port_connectivity"):
        sys.stderr.write("rabbitmq-diagnostics stand-in: only `ping` and `check_port_connectivity`\n")
        return 64
    try:
        socket.create_connection(("127.0.0.1", AMQP_PORT), timeout=5).close()
    except OSError as exc:
        sys.stderr.write("Error: unable to reach the node on 127.0.0.1:%d: %s\n" % (AMQP_PORT, exc))
        return 69
    return 0


def main(argv):
    if os.path.basename(argv[0]) == "rabbitmq-diagnostics":
        return diagnostics(argv[1:])
    return server()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
