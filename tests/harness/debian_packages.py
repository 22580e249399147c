# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install Debian packages for a test harness without letting their postinst start the system's daemon."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

POLICY_RC = "/usr/sbin/policy-rc.d"


def apt_install(what, packages):
    """apt-get install `packages` (for `what`, named in errors); a policy-rc.d denies service starts meanwhile."""
    if os.geteuid() != 0:
        raise RuntimeError("%s is not installed and installing it needs root" % what)
    added = not os.path.exists(POLICY_RC)
    if added:
        with open(POLICY_RC, "w") as handle:
            handle.write("#!/bin/sh\nexit 101\n")
        os.chmod(POLICY_RC, 0o755)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.check_call(["apt-get", "update", "-qq"], env=env)
        subprocess.check_call(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + list(packages), env=env)
    finally:
        if added:
            os.unlink(POLICY_RC)
