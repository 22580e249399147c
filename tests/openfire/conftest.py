# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: a fresh Openfire REST stand-in per test, and module arguments that reach it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from openfire_support import SECRET
from standins.openfire import OpenfireStandin


@pytest.fixture
def openfire():
    """A running stand-in (127.0.0.1, free port), shared-secret auth, domain example.org."""
    with OpenfireStandin(secret=SECRET) as server:
        yield server


@pytest.fixture
def conn(openfire):
    """Connection options of the openfire_* modules for the stand-in."""
    return {"api_url": openfire.url, "api_secret": SECRET}
