# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the RabbitMQ management API client and the
# pure functions the rabbitmq_* modules compare with.

"""RabbitMQ management HTTP API (3.10 to 4.x) over ApiClient.

Object state is normalised to small comparable dicts (``*_state``); the
``converge_*`` functions read, compare and write one object and return an
Outcome. Secrets (passwords, password hashes) never enter a state dict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported by ansible-core 2.17+
    from urllib import quote

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError, json_dumps

from ansible_collections.homelab.llm_stack.plugins.module_utils._module import ApiModule, Outcome

MAX_NAME_BYTES = 255
HASH_FUNCTIONS = {
    "rabbit_password_hashing_sha256": hashlib.sha256,
    "rabbit_password_hashing_sha512": hashlib.sha512,
    "rabbit_password_hashing_md5": hashlib.md5,
}
QUEUE_TYPES = ("classic", "quorum", "stream")
APPLY_TO = ("all", "queues", "exchanges", "classic_queues", "quorum_queues", "streams")
# Shown in --diff instead of a password: whether it is (or will be) changed.
PASSWORD_KEPT = "<hidden>"
PASSWORD_SET = "<hidden, new>"
PASSWORD_NONE = "<none>"


# -- input checks (no server needed) --------------------------------------------

def name_problem(what, name):
    """Why `name` cannot name a RabbitMQ object, or None."""
    if name is None or name == "":
        return "%s must not be empty" % what
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return "%s %r is longer than %d bytes" % (what, name[:40] + "...", MAX_NAME_BYTES)
    return None


def regex_problem(what, pattern):
    """Why `pattern` is not a usable regular expression, or None.

    RabbitMQ compiles with Erlang's PCRE-based `re`; Python's `re` accepts
    nearly the same syntax, so it is a fair check before any request.
    """
    if pattern is None:
        return None
    try:
        re.compile(pattern)
    except re.error as exc:
        return "%s %r is not a valid regular expression: %s" % (what, pattern, exc)
    return None


# -- normalising -----------------------------------------------------------------

def tag_list(tags):
    """Tags as a sorted list without duplicates; the API sends lists or "a,b" strings."""
    if tags is None:
        return []
    if not isinstance(tags, (list, tuple)):
        tags = str(tags).split(",")
    return sorted(set(t.strip() for t in tags if t and t.strip()))


def vhost_state(data):
    """Comparable state of a vhost from GET /api/vhosts/{name}."""
    metadata = data.get("metadata") or {}
    queue_type = data.get("default_queue_type") or metadata.get("default_queue_type")
    if queue_type in (None, "", "undefined"):
        # Not set at creation: queues declared without a type are classic.
        queue_type = "classic"
    return {
        "description": data.get("description", metadata.get("description")) or "",
        "tags": tag_list(data.get("tags", metadata.get("tags"))),
        "default_queue_type": queue_type,
        "tracing": bool(data.get("tracing")),
    }


def desired_vhost(item, current):
    """The vhost state asked for: options left unset keep the current value."""
    base = current or {"description": "", "tags": [], "default_queue_type": None, "tracing": False}
    wanted = dict(base)
    for key in ("description", "default_queue_type", "tracing"):
        if item.get(key) is not None:
            wanted[key] = item[key]
    if item.get("tags") is not None:
        wanted["tags"] = tag_list(item["tags"])
    return wanted


def vhost_body(state):
    """PUT body that carries the whole metadata, so nothing is reset.

    3.10 reads `defaultqueuetype`, 4.x `default_queue_type`: send both.
    """
    body = {"description": state["description"], "tags": ",".join(state["tags"]), "tracing": state["tracing"]}
    if state.get("default_queue_type"):
        body["default_queue_type"] = state["default_queue_type"]
        body["defaultqueuetype"] = state["default_queue_type"]
    return body


def password_matches(password, password_hash, algorithm):
    """Whether `password` is the one stored as `password_hash` (base64 of 4-byte salt + digest)."""
    function = HASH_FUNCTIONS.get(algorithm)
    if function is None or not password_hash:
        return False
    try:
        raw = base64.b64decode(password_hash.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    salt, digest = raw[:4], raw[4:]
    return len(digest) == function().digest_size and function(salt + password.encode("utf-8")).digest() == digest


def user_state(data):
    """Comparable state of a user (never its password hash)."""
    return {"tags": tag_list(data.get("tags")), "password": PASSWORD_KEPT if data.get("password_hash") else PASSWORD_NONE}


def permission_state(data):
    return {"configure": data.get("configure", ""), "write": data.get("write", ""), "read": data.get("read", "")}


def policy_state(data):
    return {
        "pattern": data.get("pattern"),
        "apply_to": data.get("apply-to", "all"),
        "definition": data.get("definition") or {},
        "priority": int(data.get("priority") or 0),
    }


def policy_body(state):
    return {"pattern": state["pattern"], "apply-to": state["apply_to"], "definition": state["definition"],
            "priority": state["priority"]}


def same(a, b):
    """Deep equality that ignores key order."""
    return json_dumps(a) == json_dumps(b)


def version_tuple(text):
    """'3.10.8' -> (3, 10, 8); unknown parts become 0."""
    parts = []
    for part in str(text or "").split(".")[:3]:
        digits = re.match(r"\d+", part)
        parts.append(int(digits.group(0)) if digits else 0)
    return tuple(parts + [0] * (3 - len(parts)))


# -- module ----------------------------------------------------------------------

class RabbitMQModule(ApiModule):
    """ApiModule whose single form validates only the options that are set.

    ApiModule.items() re-validates the top-level item with every option,
    unset ones as None, so an option with choices and no default (e.g.
    default_queue_type) fails with "must be one of ..., got: None".
    """

    def names_checked(self, *fields):
        """The items, after every name field (what, key) passed name_problem()."""
        items = self.items()
        for item in items:
            for what, key in fields:
                problem = name_problem(what, item[key])
                if problem:
                    self.fail_json(msg=problem)
        return items


# -- client ----------------------------------------------------------------------

def quote_name(name):
    """Path segment for a name: '/' -> %2F (vhost '/' included)."""
    return quote(name, safe="")


class RabbitMQClient:
    """The management API calls the modules need, over one ApiClient (base .../api)."""

    def __init__(self, api):
        self.api = api
        self._version = None

    def version(self):
        if self._version is None:
            data = self.api.get_json("overview", params={"columns": "rabbitmq_version"}, missing=())
            self._version = version_tuple((data or {}).get("rabbitmq_version"))
        return self._version

    def get(self, *parts):
        return self.api.get_json("/".join(quote_name(p) if i else p for i, p in enumerate(parts)))

    def put(self, body, *parts):
        self.api.send_json("PUT", "/".join(quote_name(p) if i else p for i, p in enumerate(parts)), body)

    def delete(self, *parts):
        self.api.request("DELETE", "/".join(quote_name(p) if i else p for i, p in enumerate(parts)),
                         expected=(200, 204, 404))


# -- converge one object -----------------------------------------------------------

def converge_vhost(client, item, check_mode):
    data = client.get("vhosts", item["name"])
    current = vhost_state(data) if data is not None else None
    if item["state"] == "absent":
        if current is not None and not check_mode:
            client.delete("vhosts", item["name"])
        return Outcome(current is not None, current, None)
    wanted = desired_vhost(item, current)
    if current is not None and wanted == current:
        return Outcome(False, current, current)
    if (current is not None and wanted["default_queue_type"] != current["default_queue_type"]
            and client.version() < (4, 0, 0)):
        raise ApiError("the default queue type of an existing vhost is fixed on RabbitMQ %s (it is %s); "
                       "delete and re-create the vhost, or leave default_queue_type unset"
                       % (".".join(str(v) for v in client.version()), current["default_queue_type"]))
    if not check_mode:
        client.put(vhost_body(wanted), "vhosts", item["name"])
    after = dict(wanted)
    if after["default_queue_type"] is None:
        after["default_queue_type"] = "classic"
    return Outcome(True, current, after)


def converge_user(client, item, check_mode):
    data = client.get("users", item["name"])
    current = user_state(data) if data is not None else None
    if item["state"] == "absent":
        if current is not None and not check_mode:
            client.delete("users", item["name"])
        return Outcome(current is not None, current, None)
    tags = tag_list(item["tags"]) if item.get("tags") is not None else (current or {}).get("tags", [])
    password = item.get("password")
    if current is None:
        body = {"tags": ",".join(tags)}
        if password is None:
            body.update(password_hash="")  # no password login (e.g. x509 users)
        else:
            body["password"] = password
        after = {"tags": tags, "password": PASSWORD_SET if password is not None else PASSWORD_NONE}
    else:
        new_password = (password is not None and item.get("update_password") == "always"
                        and not password_matches(password, data.get("password_hash"), data.get("hashing_algorithm")))
        after = {"tags": tags, "password": PASSWORD_SET if new_password else current["password"]}
        if after == current:
            return Outcome(False, current, current)
        if new_password:
            body = {"password": password, "tags": ",".join(tags)}
        else:
            # Tags only: send the stored hash back, or the password would be cleared.
            body = {"password_hash": data.get("password_hash") or "",
                    "hashing_algorithm": data.get("hashing_algorithm") or "rabbit_password_hashing_sha256",
                    "tags": ",".join(tags)}
    if not check_mode:
        client.put(body, "users", item["name"])
    return Outcome(True, current, after)


def converge_permission(client, item, check_mode):
    path = ("permissions", item["vhost"], item["user"])
    data = client.get(*path)
    current = permission_state(data) if data is not None else None
    if item["state"] == "absent":
        if current is not None and not check_mode:
            client.delete(*path)
        return Outcome(current is not None, current, None)
    wanted = {"configure": item["configure"], "write": item["write"], "read": item["read"]}
    if wanted == current:
        return Outcome(False, current, current)
    if not check_mode:
        try:
            client.put(wanted, *path)
        except ApiError as exc:
            if exc.status == 400 and "vhost_or_user_not_found" in str(exc.reason):
                raise ApiError("vhost %r or user %r does not exist; create both first" % (item["vhost"], item["user"]),
                               status=exc.status, reason=exc.reason, method=exc.method, url=exc.url)
            raise
    return Outcome(True, current, wanted)


def converge_policy(client, item, check_mode):
    path = ("policies", item["vhost"], item["name"])
    data = client.get(*path)
    current = policy_state(data) if data is not None else None
    if item["state"] == "absent":
        if current is not None and not check_mode:
            client.delete(*path)
        return Outcome(current is not None, current, None)
    wanted = {"pattern": item["pattern"], "apply_to": item["apply_to"], "definition": item["definition"],
              "priority": item["priority"]}
    if current is not None and same(wanted, current):
        return Outcome(False, current, current)
    if not check_mode:
        client.put(policy_body(wanted), *path)
    return Outcome(True, current, wanted)
