# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the module base every API module builds on.

"""Shared argument specs, the ApiModule base class and the converge loop.

A module declares the options of one object (``item_spec``) and the name of
its list form (``list_key``); ApiModule builds the argument spec for both
forms, validates every item before the first request, runs the module's
handler once per item over one API session, and reports ``changed``,
``results`` and, under ``--diff``, before/after.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import (
    ApiClient,
    ApiError,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)

CONNECTION_ARGSPEC = dict(
    api_url=dict(type="str", required=True),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="int", default=30),
)

BASIC_AUTH_ARGSPEC = dict(
    api_user=dict(type="str"),
    api_password=dict(type="str", no_log=True),
)

API_KEY_ARGSPEC = dict(
    api_key=dict(type="str", no_log=True),
)


def connection_argspec(api_url_default=None, basic_auth=False, api_key=False, **extra):
    """The connection options of one service's modules.

    api_url_default: the service's usual address; without it api_url is required.
    """
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    if api_url_default:
        spec["api_url"] = dict(type="str", default=api_url_default)
    if basic_auth:
        spec.update(copy.deepcopy(BASIC_AUTH_ARGSPEC))
    if api_key:
        spec.update(copy.deepcopy(API_KEY_ARGSPEC))
    spec.update(extra)
    return spec


class Outcome:
    """What the handler did (or would do in check mode) to one object.

    before/after: the object's comparable state, None when it does not exist.
    Secrets never go in them.
    """

    def __init__(self, changed, before=None, after=None, action=None, **extra):
        self.changed = bool(changed)
        self.before = before
        self.after = after
        self.action = action or self._action()
        self.extra = extra

    def _action(self):
        if not self.changed:
            return "none"
        if self.before is None:
            return "create"
        if self.after is None:
            return "delete"
        return "update"


def diff_dicts(before, after):
    """Keys whose values differ between two dicts (absent counts as None)."""
    before = before or {}
    after = after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class ApiModule(AnsibleModule):
    """AnsibleModule for one kind of API object, in single and list form.

    item_spec: options of one object (its `name_key` option is required per item).
    list_key: the list option (e.g. ``vhosts``) whose items take the same keys.
    connection_spec: from connection_argspec().
    item_checks: extra keyword arguments for the item validator (required_if, ...).
    """

    def __init__(self, item_spec, list_key, connection_spec, name_key="name",
                 item_checks=None, extra_spec=None, **kwargs):
        self.item_spec = copy.deepcopy(item_spec)
        self.list_key = list_key
        self.name_key = name_key
        top = copy.deepcopy(item_spec)
        for option in top.values():
            option.pop("required", None)
        item_checks = item_checks or {}
        list_option = dict(type="list", elements="dict", options=copy.deepcopy(item_spec))
        list_option.update(copy.deepcopy(item_checks))
        argument_spec = dict(top)
        argument_spec[list_key] = list_option
        argument_spec.update(connection_spec)
        argument_spec.update(extra_spec or {})
        kwargs.setdefault("supports_check_mode", True)
        kwargs.setdefault("mutually_exclusive", []).append((name_key, list_key))
        kwargs.setdefault("required_one_of", []).append((name_key, list_key))
        super(ApiModule, self).__init__(argument_spec=argument_spec, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self._item_checks = item_checks

    # -- input -----------------------------------------------------------------

    def items(self):
        """The objects to converge, validated, before any request is made."""
        if self.params[self.list_key] is None:
            # The top level holds one item: check it the way each list item is checked.
            single = dict((k, self.params[k]) for k in self.item_spec if self.params[k] is not None)
            checked = ArgumentSpecValidator(self.item_spec, **self._item_checks).validate(single)
            if checked.error_messages:
                self.fail_json(msg="; ".join(checked.error_messages))
            items = [checked.validated_parameters]
        else:
            stray = [k for k, spec in self.item_spec.items()
                     if self.params[k] is not None and self.params[k] != spec.get("default")]
            if stray:
                self.fail_json(msg="with %s, set %s inside each item instead of at the top level"
                               % (self.list_key, ", ".join(sorted(stray))))
            items = self.params[self.list_key]
        keys = [self.identity(item) for item in items]
        duplicates = sorted(set(str(k) for k in keys if keys.count(k) > 1))
        if duplicates:
            self.fail_json(msg="%s lists the same object more than once: %s" % (self.list_key, ", ".join(duplicates)))
        return items

    def identity(self, item):
        """The key that makes two items the same object (override for compound keys)."""
        return item[self.name_key]

    # -- client ----------------------------------------------------------------

    def client(self, base_path="", auth=None, headers=None, **kwargs):
        """An ApiClient on api_url + base_path with this module's TLS and timeout options."""
        params = self.params
        if auth is None and params.get("api_user") is not None:
            auth = (params["api_user"], params.get("api_password") or "")
        return ApiClient(
            params["api_url"].rstrip("/") + base_path,
            auth=auth,
            headers=headers,
            validate_certs=params["validate_certs"],
            ca_path=params.get("ca_path"),
            timeout=params["timeout"],
            **kwargs
        )

    # -- converge loop -----------------------------------------------------------

    def converge(self, handler, items=None):
        """Run handler(item) -> Outcome for every item and exit with the summary.

        The handler must not write in check mode (self.check_mode). ApiError
        becomes a failure that names the object, the status and the server's reason.
        """
        items = self.items() if items is None else items
        results = []
        before = {}
        after = {}
        for item in items:
            key = self.identity(item)
            try:
                outcome = handler(item)
            except ApiError as exc:
                done = [r for r in results if r["changed"]]
                self.fail_json(msg="%s: %s" % (key, exc), results=results, changed=bool(done), **exc.to_result())
            entry = dict(name=key if not isinstance(key, tuple) else "/".join(str(k) for k in key),
                         changed=outcome.changed, action=outcome.action)
            entry.update(outcome.extra)
            results.append(entry)
            if outcome.before is not None:
                before[entry["name"]] = outcome.before
            if outcome.after is not None:
                after[entry["name"]] = outcome.after
        result = dict(changed=any(r["changed"] for r in results), results=results)
        if self._diff:
            if self.params[self.list_key] is None:
                name = results[0]["name"]
                result["diff"] = dict(before=before.get(name, {}), after=after.get(name, {}))
            else:
                result["diff"] = dict(before=before, after=after)
        self.exit_json(**result)
