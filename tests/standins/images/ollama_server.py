# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the Ollama image (docker.io/ollama/ollama, `ollama serve`) in the test cluster.

`ollama serve` runs the REST stand-in (tests/standins/ollama.py, copied into the image as ollama_api.py, with its
DEFAULT_CATALOGUE in the fake registry) on the address in OLLAMA_HOST (host:port, default 127.0.0.1:11434, as
Ollama). GET / answers 200 "Ollama is running". Models live in memory: nothing is written to /root/.ollama, a
restart forgets pulled models. No other subcommand (pull, list, run). SIGTERM stops it at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import standin_base  # noqa: E402  pylint: disable=wrong-import-position
import ollama_api  # noqa: E402  pylint: disable=wrong-import-position,import-error


def address(value):
    """OLLAMA_HOST as Ollama reads it: [scheme://]host[:port], default 127.0.0.1:11434."""
    value = (value or "").strip()
    split = urlsplit(value if "://" in value else "http://" + value)
    return split.hostname or "127.0.0.1", split.port or 11434


def main(argv):
    if argv[:1] != ["serve"]:
        sys.stderr.write("ollama stand-in: only `ollama serve` (got %r)\n" % " ".join(argv))
        return 2
    standin_base.exit_on_signals()
    host, port = address(os.environ.get("OLLAMA_HOST"))
    registry = ollama_api.Registry()
    for name, spec in ollama_api.DEFAULT_CATALOGUE.items():
        registry.publish(name, **spec)
    httpd = standin_base.http_server(port, ollama_api.Handler, host, ollama_api.State(registry))
    sys.stdout.write("ollama stand-in %s on %s:%d\n" % (ollama_api.VERSION, host, port))
    sys.stdout.flush()
    try:
        httpd.serve_forever()
    finally:
        httpd.state.stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
