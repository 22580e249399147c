# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Openfire tests share besides fixtures (a module of its own: `conftest` names clash across test folders)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SECRET = "test-rest-secret-5f3a9"


def writes(server):
    """Requests that could change something (anything but GET)."""
    return [r for r in server.state.requests if r[0] != "GET"]
