# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the Openfire REST API plugin client.

"""Client for the Openfire REST API plugin (restAPI.jar 1.12.x) over ApiClient,
plus the pure normalise/compare functions the openfire_* modules use.

Quirks handled here (see the reference contract):
- the admin console answers 302 -> /login.jsp when the core property
  adminConsole.access.allow-wildcards-in-excludes is not true: redirects are
  never followed and a 3xx names that property;
- 401/403 carry no error entity: the reason is explained here;
- usernames are nodeprepped (lower-cased) by Openfire;
- a user PUT without `properties` deletes every user property, and a group
  PUT replaces members/admins and nulls an omitted description, so writes
  always carry the full entity.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import default_reason
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import ApiModule, connection_argspec

REST_PATH = "/plugins/restapi/v1"
WILDCARD_PROPERTY = "adminConsole.access.allow-wildcards-in-excludes"
# RFC 6122 nodeprep prohibits these in a JID localpart (plus spaces and control characters).
LOCALPART_FORBIDDEN = "\"&'/:<>@"
LOCALPART_MAX_BYTES = 1023
# Property keys whose values are masked in results and diffs.
SENSITIVE_KEY_WORDS = ("secret", "password", "passwd", "token", "key")
MASK = "********"


def openfire_reason(response):
    """The reason of a failed REST call, with the plugin's silent statuses explained."""
    status = response.status_code
    if 300 <= status < 400:
        return ("the admin console redirected the REST call to its login page: set the Openfire system "
                "property %s=true (in openfire.xml before setup, or in the admin console) and restart "
                "the REST API plugin" % WILDCARD_PROPERTY)
    if status == 401:
        return ("authentication refused: wrong api_secret (plugin.restapi.secret) or api_user/api_password "
                "(must be an Openfire admin), a plugin.restapi.httpAuth mode that does not match, or a client "
                "address missing from plugin.restapi.allowedIPs")
    if status == 403:
        return "the REST API plugin is disabled: set plugin.restapi.enabled=true"
    return default_reason(response)


def connection_spec():
    """Connection options of every openfire_* module."""
    return connection_argspec(basic_auth=True, api_secret=dict(type="str", no_log=True))


class OpenfireModule(ApiModule):
    """ApiModule with the Openfire connection rules (secret or basic auth)."""

    def __init__(self, item_spec, list_key, name_key="name", lower_names=False, **kwargs):
        self.lower_names = lower_names
        kwargs.setdefault("mutually_exclusive", []).append(("api_secret", "api_user"))
        kwargs.setdefault("required_one_of", []).append(("api_secret", "api_user"))
        kwargs.setdefault("required_together", []).append(("api_user", "api_password"))
        super(OpenfireModule, self).__init__(item_spec, list_key, connection_spec(), name_key=name_key, **kwargs)

    def identity(self, item):
        name = item[self.name_key]
        return name.lower() if self.lower_names else name

    def openfire(self):
        """An OpenfireClient with this module's connection options."""
        headers = None
        if self.params.get("api_secret") is not None:
            headers = {"Authorization": self.params["api_secret"]}
        return OpenfireClient(self.client(REST_PATH, headers=headers, reason=openfire_reason))


# -- pure functions ---------------------------------------------------------------


def localpart_error(name):
    """Why `name` cannot be a JID localpart (a username), or None when it can."""
    if not name or not name.strip():
        return "must not be empty"
    bad = sorted(set(c for c in name if c in LOCALPART_FORBIDDEN or c.isspace() or ord(c) < 32 or ord(c) == 127))
    if bad:
        return "contains characters not allowed in a JID localpart: %s" % " ".join(repr(c) for c in bad)
    if len(name.encode("utf-8")) > LOCALPART_MAX_BYTES:
        return "is longer than %d bytes" % LOCALPART_MAX_BYTES
    return None


def normalize_jid(value, domain):
    """A member as Openfire returns it: a bare JID with a lower-cased localpart."""
    value = value.strip()
    if "@" in value:
        local, host = value.split("@", 1)
        return "%s@%s" % (local.lower(), host.split("/", 1)[0].lower())
    return "%s@%s" % (value.lower(), domain.lower())


def properties_to_dict(entries):
    """[{"key": k, "value": v}, ...] -> {k: v}."""
    return dict((e["key"], e.get("value", "")) for e in entries or [])


def properties_to_list(mapping):
    """{k: v} -> [{"key": k, "value": v}, ...], sorted, values as strings."""
    return [{"key": k, "value": str(mapping[k])} for k in sorted(mapping)]


def user_view(entity, groups):
    """Comparable state of a user (never a password)."""
    return {
        "username": entity["username"].lower(),
        "name": entity.get("name") or "",
        "email": entity.get("email"),
        "properties": properties_to_dict(entity.get("properties")),
        "groups": sorted(groups),
    }


def desired_user(current, item):
    """The user `item` asks for, on top of `current` (None when absent): options left unset keep their value."""
    base = current or {"name": "", "email": None, "properties": {}, "groups": []}
    groups = base["groups"]
    if item.get("groups") is not None:
        wanted = set(item["groups"])
        groups = sorted(wanted if item.get("groups_mode", "exact") == "exact" else wanted | set(groups))
    return {
        "username": item["username"].lower(),
        "name": base["name"] if item.get("name") is None else item["name"],
        "email": base["email"] if item.get("email") is None else item["email"],
        "properties": base["properties"] if item.get("properties") is None
        else dict((k, str(v)) for k, v in item["properties"].items()),
        "groups": groups,
    }


def user_body(view, password=None):
    """The full user entity to POST/PUT: properties always sent (a PUT without them wipes them)."""
    body = {"username": view["username"], "properties": properties_to_list(view["properties"])}
    if view["name"]:
        body["name"] = view["name"]
    if view["email"] is not None:
        body["email"] = view["email"]
    if password is not None:
        body["password"] = password
    return body


def group_view(entity, domain):
    """Comparable state of a group; members and admins as sorted bare JIDs."""
    return {
        "name": entity["name"],
        "description": entity.get("description") or "",
        "members": sorted(set(normalize_jid(m, domain) for m in entity.get("members") or [])),
        "admins": sorted(set(normalize_jid(m, domain) for m in entity.get("admins") or [])),
        "shared": bool(entity.get("shared", False)),
    }


def desired_group(current, item, domain):
    """The group `item` asks for, on top of `current`: unset options keep their value."""
    base = current or {"description": "", "members": [], "admins": [], "shared": False}

    def jids(key):
        if item.get(key) is None:
            return base[key]
        return sorted(set(normalize_jid(m, domain) for m in item[key]))

    return {
        "name": item["name"],
        "description": base["description"] if item.get("description") is None else item["description"],
        "members": jids("members"),
        "admins": jids("admins"),
        "shared": base["shared"] if item.get("shared") is None else bool(item["shared"]),
    }


def group_body(view):
    """The full group entity: both lists and the description always sent (PUT replaces them)."""
    return {"name": view["name"], "description": view["description"], "members": view["members"],
            "admins": view["admins"], "shared": view["shared"]}


def is_sensitive(key):
    lowered = key.lower()
    return any(word in lowered for word in SENSITIVE_KEY_WORDS)


def property_view(key, value):
    """Comparable state of a system property; secret-looking values masked."""
    if value is None:
        return None
    return {"key": key, "value": MASK if is_sensitive(key) else value}


# -- API client ---------------------------------------------------------------------


def _q(value):
    return quote(value, safe="")


class OpenfireClient:
    """The REST calls the modules need, over one ApiClient."""

    def __init__(self, api):
        self.api = api
        self._domain = None

    # users
    def get_user(self, username):
        return self.api.get_json("users/" + _q(username))

    def get_user_groups(self, username):
        data = self.api.get_json("users/%s/groups" % _q(username)) or {}
        names = data.get("groupname", data.get("groupnames")) or []
        return [names] if isinstance(names, str) else list(names)

    def create_user(self, body):
        self.api.send_json("POST", "users", body, expected=(201, 200))

    def update_user(self, username, body):
        self.api.send_json("PUT", "users/" + _q(username), body, expected=(200, 204))

    def delete_user(self, username):
        self.api.request("DELETE", "users/" + _q(username), expected=(200, 204))

    def add_user_groups(self, username, groups):
        self.api.send_json("POST", "users/%s/groups" % _q(username), {"groupnames": sorted(groups)},
                           expected=(201, 200, 204))

    def remove_user_group(self, username, group):
        self.api.request("DELETE", "users/%s/groups/%s" % (_q(username), _q(group)), expected=(200, 204))

    # groups
    def get_group(self, name):
        return self.api.get_json("groups/" + _q(name))

    def create_group(self, body):
        self.api.send_json("POST", "groups", body, expected=(201, 200))

    def update_group(self, name, body):
        self.api.send_json("PUT", "groups/" + _q(name), body, expected=(200, 204))

    def delete_group(self, name):
        self.api.request("DELETE", "groups/" + _q(name), expected=(200, 204))

    # system properties
    def get_property(self, key):
        """The value of a system property, None when it does not exist."""
        data = self.api.get_json("system/properties/" + _q(key))
        return None if data is None else data.get("value", "")

    def set_property(self, key, value):
        # POST is an upsert (201 whether or not the key existed).
        self.api.send_json("POST", "system/properties", {"key": key, "value": value}, expected=(201, 200))

    def delete_property(self, key):
        self.api.request("DELETE", "system/properties/" + _q(key), expected=(200, 204))

    def domain(self):
        """The XMPP domain (system property xmpp.domain), read once."""
        if self._domain is None:
            self._domain = self.get_property("xmpp.domain") or ""
        return self._domain
