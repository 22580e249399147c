# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the n8n image (docker.n8n.io/n8nio/n8n) in the test cluster.

HTTP on $N8N_PORT (default 5678): /healthz answers 200 while the process runs; /healthz/readiness answers 200 only
when the init container installed the community node (~/.n8n/nodes/node_modules/n8n-nodes-xmpp/package.json
under N8N_USER_FOLDER, default /home/node, names n8n-nodes-xmpp), 503 otherwise; / answers 200. No editor, no
REST API, no workflows, no owner set-up, no database. SIGTERM stops it at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import standin_base  # noqa: E402  pylint: disable=wrong-import-position

NODE = "n8n-nodes-xmpp"


def node_package():
    folder = os.environ.get("N8N_USER_FOLDER") or "/home/node"
    return os.path.join(folder, ".n8n", "nodes", "node_modules", NODE, "package.json")


def node_installed():
    try:
        with open(node_package()) as handle:
            return json.load(handle).get("name") == NODE
    except (OSError, ValueError, AttributeError):
        return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, payload, kind="application/json"):
        body = json.dumps(payload).encode("utf-8") if kind == "application/json" else payload
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0].rstrip("/") or "/"
        if path == "/healthz":
            self.answer(200, {"status": "ok"})
        elif path == "/healthz/readiness":
            if node_installed():
                self.answer(200, {"status": "ok"})
            else:
                self.answer(503, {"status": "error", "message": "%s is not installed" % node_package()})
        elif path == "/":
            self.answer(200, b"<!DOCTYPE html><html><body>n8n stand-in</body></html>\n", "text/html")
        else:
            self.answer(404, {"message": "not found"})


def main():
    standin_base.exit_on_signals()
    port = int(os.environ.get("N8N_PORT") or 5678)
    httpd = standin_base.http_server(port, Handler)
    sys.stdout.write("n8n stand-in on %d (node: %s)\n" % (port, node_package()))
    sys.stdout.flush()
    httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
