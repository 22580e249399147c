# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest setup: the checkout is importable as ansible_collections.homelab.llm_stack
(through the committed collections/ symlink) and `run_module` runs a module's main()
in-process with check/diff flags, returning its JSON result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests"))

from module_runner import run_module as _run_module  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def run_module():
    """run_module(name, args, check=False, diff=False) -> result dict."""
    return _run_module
