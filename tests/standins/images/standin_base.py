# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the stand-in servers of the test cluster's images share (copied into every image beside them).

exit_on_signals(): SIGTERM and SIGINT stop the process at once with status 0 (as PID 1 too, where the kernel
ignores signals that have no handler). http_server(): a ThreadingHTTPServer with daemon request threads (they
never hold up the exit) and a `state` attribute for handlers that read one. accept_forever() and drain(): a TCP
listener whose connections are each served in a daemon thread, by default read and dropped until the client
hangs up.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import signal
import threading
from http.server import ThreadingHTTPServer


def stop(signum, frame):
    raise SystemExit(0)


def exit_on_signals():
    """SIGTERM and SIGINT raise SystemExit(0) in the main thread."""
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def http_server(port, handler, host="0.0.0.0", state=None):
    """A bound ThreadingHTTPServer on (host, port) with daemon request threads and `state` set; not yet serving."""
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    httpd.state = state
    return httpd


def drain(conn):
    """Read and drop whatever the client sends until it hangs up, then close the connection."""
    with conn:
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass


def accept_forever(listener, serve=drain):
    """Accept connections on `listener` for ever, each handed to serve(conn) in a daemon thread."""
    while True:
        conn, unused = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
