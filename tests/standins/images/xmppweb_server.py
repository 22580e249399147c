# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the xmpp-web image (nioc/xmpp-web: nginx serving the web client) in the test cluster.

HTTP on 80: / (and /index.html) answers 200 with a small HTML page, /local.js the client settings the real image
writes from its APP_* and XMPP_* environment (so a test can see what the Deployment passed). No web client, no
/xmpp-websocket proxy to Openfire. SIGTERM stops it at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import standin_base  # noqa: E402  pylint: disable=wrong-import-position

PORT = 80
PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title><script src=\"local.js\"></script>"
        "</head><body><div id=\"app\">xmpp-web stand-in</div></body></html>\n")


def settings():
    return dict((k, v) for k, v in sorted(os.environ.items()) if k.startswith(("APP_", "XMPP_")))


class Handler(BaseHTTPRequestHandler):
    server_version = "nginx"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        status, kind = 200, "text/html"
        if path in ("/", "/index.html"):
            body = (PAGE % os.environ.get("APP_NAME", "XMPP web")).encode("utf-8")
        elif path == "/local.js":
            body, kind = ("var config = %s\n" % json.dumps(settings(), indent=2)).encode("utf-8"), "text/javascript"
        else:
            status, body = 404, b"<html><body>404 Not Found</body></html>\n"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    standin_base.exit_on_signals()
    httpd = standin_base.http_server(PORT, Handler)
    sys.stdout.write("xmpp-web stand-in on %d\n" % PORT)
    sys.stdout.flush()
    httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
