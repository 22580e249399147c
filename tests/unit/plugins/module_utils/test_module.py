# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ApiModule: single and list form, validation before any request, converge results and diff."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import (
    ApiModule,
    Outcome,
    connection_argspec,
    diff_dicts,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    size=dict(type="int", default=1),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def run(args, handler=None, check=False, diff=False, capsys=None):
    """Build the module with `args`, converge with `handler`; return (result, handled items)."""
    handled = []
    store = {"b": {"size": 1}}

    def default_handler(item):
        handled.append(item)
        before = store.get(item["name"])
        after = None if item["state"] == "absent" else {"size": item["size"]}
        return Outcome(before != after, before, after)

    module_args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(module_args):
        with pytest.raises(SystemExit):
            module = ApiModule(ITEM_SPEC, "things", connection_argspec("http://127.0.0.1:1", basic_auth=True))
            module.converge(handler or default_handler)
    out = capsys.readouterr().out
    return json.loads(out[out.index("{"):]), handled


def test_single_form(capsys):
    result, handled = run(dict(name="a", size=3), diff=True, capsys=capsys)
    assert handled == [dict(name="a", size=3, state="present")]
    assert result["changed"] and result["results"] == [dict(name="a", changed=True, action="create")]
    assert result["diff"] == dict(before={}, after={"size": 3})


def test_list_form_converges_every_item(capsys):
    result, handled = run(dict(things=[dict(name="a"), dict(name="b"), dict(name="c", state="absent")]), diff=True,
                          capsys=capsys)
    assert [h["name"] for h in handled] == ["a", "b", "c"]
    assert [(r["name"], r["action"]) for r in result["results"]] == [("a", "create"), ("b", "none"), ("c", "none")]
    assert result["diff"] == dict(before={"b": {"size": 1}}, after={"a": {"size": 1}, "b": {"size": 1}})


def test_duplicates_are_refused_before_any_item_is_handled(capsys):
    result, handled = run(dict(things=[dict(name="a"), dict(name="b"), dict(name="a")]), capsys=capsys)
    assert result["failed"] and "more than once: a" in result["msg"] and handled == []


def test_stray_top_level_item_option_is_refused(capsys):
    result, handled = run(dict(things=[dict(name="a")], size=5), capsys=capsys)
    assert result["failed"] and "set size inside each item" in result["msg"] and handled == []


def test_top_level_default_is_not_stray(capsys):
    result, handled = run(dict(things=[dict(name="a", size=2)], state="present"), capsys=capsys)
    assert not result.get("failed") and handled[0]["size"] == 2


def test_name_and_list_are_mutually_exclusive(capsys):
    result, handled = run(dict(name="a", things=[dict(name="b")]), capsys=capsys)
    assert result["failed"] and "mutually exclusive" in result["msg"] and handled == []


def test_one_of_name_or_list_is_required(capsys):
    result, handled = run(dict(size=2), capsys=capsys)
    assert result["failed"] and "one of the following is required" in result["msg"]


def test_item_validation(capsys):
    result, handled = run(dict(things=[dict(name="a", size="big")]), capsys=capsys)
    assert result["failed"] and "size" in result["msg"] and handled == []


def test_api_error_names_the_object_and_keeps_done_work(capsys):
    def handler(item):
        if item["name"] == "b":
            raise ApiError("unexpected answer", status=400, reason="bad_request; nope", method="PUT", url="u")
        return Outcome(True, None, {"size": 1})

    result = run(dict(things=[dict(name="a"), dict(name="b"), dict(name="c")]), handler=handler, capsys=capsys)[0]
    assert result["failed"] and result["msg"].startswith("b: PUT u: HTTP 400")
    assert result["status"] == 400 and result["changed"] is True
    assert [r["name"] for r in result["results"]] == ["a"]


def test_connection_argspec():
    spec = connection_argspec("http://127.0.0.1:15672", basic_auth=True)
    assert spec["api_url"]["default"] == "http://127.0.0.1:15672"
    assert spec["api_password"]["no_log"] is True
    assert connection_argspec()["api_url"]["required"] is True


def test_diff_dicts():
    assert diff_dicts({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == ["b"]
    assert diff_dicts(None, {"a": 1}) == ["a"]
