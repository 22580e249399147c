# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One lab (lab.py) for the whole end-to-end session, configured by the real playbooks/configure.yml.

Without the n8n-nodes-xmpp tarball ($N8N_XMPP_NODE_TGZ, the cache, or the npm registry) every test that needs the
lab is skipped, with one loud line on stderr and the reason in pytest's summary.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys

import pytest

from lab import Lab, SkipLab


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    try:
        lab = Lab(str(tmp_path_factory.mktemp("e2e")), load_users=10).start()
    except SkipLab as exc:
        sys.stderr.write("\n!!!!! END-TO-END TEST SKIPPED: %s\n" % exc)
        pytest.skip(str(exc))
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def configured(stack):
    """The first run of playbooks/configure.yml (rc, output, recap), then the bot's trigger online."""
    first = stack.playbook("configure.yml")
    assert first[0] == 0, first[1][-4000:]
    stack.wait_for_bot()
    return first
