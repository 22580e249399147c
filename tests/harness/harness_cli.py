# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command line every harness shares: `start` prints NAME=value lines (for molecule and shells), `stop` stops."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys


def main(argv, start, stop, exports):
    """Run `start` (then print `exports()`) or `stop` for argv[1]; return the exit code."""
    action = argv[1] if len(argv) > 1 else ""
    if action == "start":
        start()
        for key, value in sorted(exports().items()):
            print("%s=%s" % (key, value))
    elif action == "stop":
        stop()
    else:
        sys.stderr.write("usage: %s start|stop\n" % argv[0])
        return 2
    return 0
