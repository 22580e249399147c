# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip script ansible-test downloads to bootstrap pip in
its virtual environments (that host is unreachable here). It runs the newest
pip wheel lying next to it: ``install --upgrade --force-reinstall <args>``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import runpy
import sys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    wheels = sorted(glob.glob(os.path.join(here, "pip-*.whl")))
    if not wheels:
        sys.exit("no pip wheel next to %s" % __file__)
    sys.path.insert(0, wheels[-1])
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    sys.argv = ["pip", "install", "--upgrade", "--force-reinstall"] + args
    runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
