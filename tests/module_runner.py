# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of the collection's modules in-process, the way Ansible would."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import importlib
import io
import json

from ansible.module_utils.testing import patch_module_args


def run_module(name, args, check=False, diff=False):
    """Run homelab.llm_stack.<name> with `args`; return its result dict.

    A failure comes back as a result with failed=True (never raises), so a
    test can assert on the message. The raw output is kept in result['_stdout'].
    """
    module = importlib.import_module("ansible_collections.homelab.llm_stack.plugins.modules." + name)
    module_args = dict(args)
    module_args.update({"_ansible_check_mode": check, "_ansible_diff": diff})
    out = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    text = out.getvalue()
    result = json.loads(text[text.index("{"):])
    result["_stdout"] = text
    return result
