# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the Openfire REST API plugin (restAPI.jar 1.12.x), written from
../shared/reference/openfire-and-xmpp-web.md (sections 1.1-1.7 and 1.11), quirks included:

- admin-console filter: without the system property
  adminConsole.access.allow-wildcards-in-excludes=true every call under
  /plugins/restapi/ answers 302 -> /login.jsp?url=... (status endpoints too);
- AuthFilter order: openapi.yaml and status endpoints without auth; plugin
  disabled -> 403; OPTIONS passes; allowedIPs (X-Forwarded-For first) -> 401;
  no Authorization -> 401; basic (admin users only) or raw shared secret ->
  401 on mismatch. 401/403 have an empty body. Auth settings are read from the
  system properties on every call, so changing them applies at once;
- XML unless Accept asks for application/json; errors as
  {"resource","message","exception"} (or <error>) picked from Accept, then the
  request Content-Type, else XML; success of POST/PUT/DELETE has an empty body;
- users: lower-cased names, GET without password, name "" when unset, email
  omitted when unset, properties always a list; PUT is partial for
  name/email/password but replaces properties (an omitted list wipes them) and
  renames on a username mismatch; unknown JSON fields -> 500;
- groups: list without members/admins and shared always false; GET with bare
  JIDs; PUT replaces both lists and nulls an omitted description; omitted
  lists -> 500 (null iteration); name mismatch -> 400;
- user groups: POST auto-creates groups; DELETE of an unknown group -> 404;
- system properties: POST upserts (201), PUT needs an existing key (404) and a
  matching body key (400), GET/DELETE 404 when missing;
- lockouts: POST 201 / DELETE 200, 404 for unknown users, no GET.

Request bodies are accepted as JSON only (the real plugin also takes XML);
other content types get 415.

Use in tests: `with OpenfireStandin() as server: server.url ...`, or run it:
`python tests/standins/openfire.py --port 9090 --secret s3cret [--pid-file F]`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import base64
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import quoteattr, escape

PREFIX = "/plugins/restapi/v1"
WILDCARD = "adminConsole.access.allow-wildcards-in-excludes"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "origin, content-type, accept, authorization",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS, HEAD",
}
USER_FIELDS = {"username": str, "name": str, "email": str, "password": str, "properties": list}
GROUP_FIELDS = {"name": str, "description": str, "admins": list, "members": list, "shared": bool}
PROPERTY_FIELDS = {"key": str, "value": str}
JID_BAD = re.compile(r"[\s\"&'/:<>]")


class Fail(Exception):
    """An answer other than success: status, optional error entity."""

    def __init__(self, status, exception=None, message=None, resource=None, headers=None):
        super(Fail, self).__init__(message or exception or str(status))
        self.status = status
        self.entity = None
        if exception is not None:
            self.entity = {"resource": resource, "message": message, "exception": exception}
        self.headers = headers or {}


class State:
    """What the fake Openfire holds. Tests may read and edit it directly."""

    def __init__(self, domain, secret, admin_password, wildcard=True, http_auth="secret"):
        self.lock = threading.Lock()
        self.domain = domain
        self.users = {"admin": {"username": "admin", "name": "Administrator", "email": "admin@" + domain,
                                "password": admin_password, "properties": {}}}
        self.admins = {"admin"}
        self.groups = {}
        self.properties = {
            "xmpp.domain": domain,
            "plugin.restapi.enabled": "true",
            "plugin.restapi.httpAuth": http_auth,
            "plugin.restapi.secret": secret,
        }
        if wildcard:
            self.properties[WILDCARD] = "true"
        self.requests = []  # (method, path) of every request, for tests
        self.locked = set()

    def jid(self, value):
        value = value.strip()
        if not value or JID_BAD.search(value.split("@", 1)[0]) or value.count("@") > 1:
            raise Fail(400, "IllegalArgumentException", "Invalid JID: %s" % value, value)
        if "@" in value:
            local, host = value.split("@", 1)
            return "%s@%s" % (local.lower(), host.lower())
        return "%s@%s" % (value.lower(), self.domain)


def check_fields(body, fields):
    """Unknown fields, or a wrong JSON type for a known one, make Jackson fail: 500."""
    if not isinstance(body, dict):
        raise Fail(500)
    for key, value in body.items():
        if key not in fields or (value is not None and not isinstance(value, fields[key])):
            raise Fail(500)


def user_entity(user):
    entity = {"username": user["username"], "name": user.get("name") or ""}
    if user.get("email") is not None:
        entity["email"] = user["email"]
    entity["properties"] = [{"key": k, "value": v} for k, v in sorted(user["properties"].items())]
    return entity


def set_properties(user, body):
    # addProperties() clears first: a body without properties wipes them.
    user["properties"] = {}
    for prop in body.get("properties") or []:
        user["properties"][prop["key"]] = prop["value"]


class Api:
    """The REST resources, over a State."""

    def __init__(self, state):
        self.state = state

    # -- users
    def user(self, name):
        user = self.state.users.get(name.lower())
        if user is None:
            raise Fail(404, "UserNotFoundException", "Could not get user", name)
        return user

    def list_users(self, query):
        users = sorted(self.state.users.values(), key=lambda u: u["username"])
        search = query.get("search")
        if search:
            users = [u for u in users if search in u["username"]]
        key = query.get("propertyKey")
        if key:
            users = [u for u in users if key in u["properties"]
                     and (query.get("propertyValue") is None or u["properties"][key] == query["propertyValue"])]
        return 200, {"users": [user_entity(u) for u in users]}

    def create_user(self, body):
        check_fields(body, USER_FIELDS)
        username = body.get("username")
        if username is None:
            raise Fail(500)
        if username == "":
            raise Fail(400, "IllegalArgumentException", "Username must not be empty", username)
        if body.get("password") is None:
            raise Fail(400, "PasswordIsNull", "Password is null", username)
        if body["password"] == "":
            raise Fail(500)
        name = username.lower()
        if name in self.state.users:
            raise Fail(409, "UserAlreadyExistsException", "Could not create new user", name)
        user = {"username": name, "name": body.get("name"), "email": body.get("email"),
                "password": body["password"], "properties": {}}
        set_properties(user, body)
        self.state.users[name] = user
        return 201, None

    def update_user(self, name, body):
        check_fields(body, USER_FIELDS)
        user = self.user(name)
        target = (body.get("username") or user["username"]).lower()
        if target != user["username"]:
            if target in self.state.users:
                raise Fail(409, "UserAlreadyExistsException", "Could not rename user", target)
            old_jid, new_jid = self.state.jid(user["username"]), self.state.jid(target)
            del self.state.users[user["username"]]
            user["username"] = target
            self.state.users[target] = user
            for group in self.state.groups.values():
                for key in ("members", "admins"):
                    group[key] = [new_jid if j == old_jid else j for j in group[key]]
        for key in ("password", "name", "email"):
            if body.get(key) is not None:
                user[key] = body[key]
        set_properties(user, body)
        return 200, None

    def delete_user(self, name):
        user = self.user(name)
        jid = self.state.jid(user["username"])
        for group in self.state.groups.values():
            for key in ("members", "admins"):
                group[key] = [j for j in group[key] if j != jid]
        del self.state.users[user["username"]]
        return 200, None

    def user_groups(self, name):
        jid = self.state.jid(self.user(name)["username"])
        names = sorted(g["name"] for g in self.state.groups.values() if jid in g["members"] or jid in g["admins"])
        return 200, {"groupnames": names}

    def join(self, name, groups):
        user = self.state.users.get(name.lower())
        if user is None:
            raise Fail(400, "UserNotFoundException", "Could not get user", name)
        jid = self.state.jid(user["username"])
        for group_name in groups:
            group = self.state.groups.setdefault(group_name, {"name": group_name, "description": None,
                                                              "members": [], "admins": [], "shared": False})
            if jid not in group["members"] and jid not in group["admins"]:
                group["members"].append(jid)
        return 201, None

    def leave(self, name, groups):
        jid = self.state.jid(self.user(name)["username"])
        for group_name in groups:
            if group_name not in self.state.groups:
                raise Fail(404, "GroupNotFoundException", "Could not find group", group_name)
        for group_name in groups:
            group = self.state.groups[group_name]
            for key in ("members", "admins"):
                group[key] = [j for j in group[key] if j != jid]
        return 200, None

    def groupnames(self, body):
        check_fields(body, {"groupnames": list})
        return body.get("groupnames") or []

    # -- groups
    def group(self, name):
        group = self.state.groups.get(name)
        if group is None:
            raise Fail(404, "GroupNotFoundException", "Could not find group", name)
        return group

    def write_group(self, group, body):
        # Members and admins are iterated without null checks upstream.
        if body.get("members") is None or body.get("admins") is None:
            raise Fail(500)
        group["members"] = sorted(set(self.state.jid(m) for m in body["members"]))
        group["admins"] = sorted(set(self.state.jid(m) for m in body["admins"]))
        group["description"] = body.get("description")
        group["shared"] = bool(body.get("shared"))

    def create_group(self, body):
        check_fields(body, GROUP_FIELDS)
        name = body.get("name")
        if not name:
            raise Fail(400, "IllegalArgumentException", "Group name must not be empty", name)
        if name in self.state.groups:
            raise Fail(409, "GroupAlreadyExistsException", "Could not create a group", name)
        group = {"name": name}
        self.write_group(group, body)
        self.state.groups[name] = group
        return 201, None

    def update_group(self, name, body):
        check_fields(body, GROUP_FIELDS)
        group = self.group(name)
        if body.get("name") != name:
            raise Fail(400, "IllegalArgumentException", "Group name in body differs from the path", name)
        self.write_group(group, body)
        return 200, None

    @staticmethod
    def group_entity(group, full):
        entity = {"name": group["name"]}
        if group.get("description") is not None:
            entity["description"] = group["description"]
        if full:
            entity["admins"] = list(group["admins"])
            entity["members"] = list(group["members"])
        entity["shared"] = bool(group["shared"]) if full else False
        return entity

    # -- system properties
    def prop(self, key):
        if key not in self.state.properties:
            raise Fail(404, "PropertyNotFoundException", "Could not find property", key)
        return 200, {"key": key, "value": self.state.properties[key]}

    def set_prop(self, body, key=None):
        check_fields(body, PROPERTY_FIELDS)
        if key is not None:
            if key not in self.state.properties:
                raise Fail(404, "PropertyNotFoundException", "Could not find property", key)
            if body.get("key") != key:
                raise Fail(400, "IllegalArgumentException", "Property key in body differs from the path", key)
        if not body.get("key"):
            raise Fail(400, "IllegalArgumentException", "Property key must not be empty", body.get("key"))
        self.state.properties[body["key"]] = body.get("value") or ""
        return (201 if key is None else 200), None

    def del_prop(self, key):
        self.prop(key)
        del self.state.properties[key]
        return 200, None

    # -- routing
    def route(self, method, parts, query, body):
        first = parts[0] if parts else ""
        rest = parts[1:]
        if first == "system" and rest[:1] == ["properties"]:
            key = rest[1] if len(rest) > 1 else None
            if key is None and method == "GET":
                props = [{"key": k, "value": v} for k, v in sorted(self.state.properties.items())]
                return 200, {"property": props}
            if key is None and method == "POST":
                return self.set_prop(body)
            if key is not None and method == "GET":
                return self.prop(key)
            if key is not None and method == "PUT":
                return self.set_prop(body, key)
            if key is not None and method == "DELETE":
                return self.del_prop(key)
        if first == "users":
            if not rest:
                if method == "GET":
                    return self.list_users(query)
                if method == "POST":
                    return self.create_user(body)
            elif len(rest) == 1:
                if method == "GET":
                    return 200, user_entity(self.user(rest[0]))
                if method == "PUT":
                    return self.update_user(rest[0], body)
                if method == "DELETE":
                    return self.delete_user(rest[0])
            elif rest[1] == "groups":
                if len(rest) == 2 and method == "GET":
                    return self.user_groups(rest[0])
                if len(rest) == 2 and method == "POST":
                    return self.join(rest[0], self.groupnames(body))
                if len(rest) == 2 and method == "DELETE":
                    return self.leave(rest[0], self.groupnames(body))
                if len(rest) == 3 and method == "POST":
                    return self.join(rest[0], [rest[2]])
                if len(rest) == 3 and method == "DELETE":
                    return self.leave(rest[0], [rest[2]])
        if first == "groups":
            if not rest and method == "GET":
                groups = sorted(self.state.groups.values(), key=lambda g: g["name"])
                return 200, {"groups": [self.group_entity(g, False) for g in groups]}
            if not rest and method == "POST":
                return self.create_group(body)
            if len(rest) == 1 and method == "GET":
                return 200, self.group_entity(self.group(rest[0]), True)
            if len(rest) == 1 and method == "PUT":
                return self.update_group(rest[0], body)
            if len(rest) == 1 and method == "DELETE":
                self.group(rest[0])
                del self.state.groups[rest[0]]
                return 200, None
        if first == "lockouts" and len(rest) == 1 and method in ("POST", "DELETE"):
            name = self.user(rest[0])["username"]
            if method == "POST":
                self.state.locked.add(name)
                return 201, None
            self.state.locked.discard(name)
            return 200, None
        raise Fail(404)


def to_xml(data, root=None):
    """XML rendering of the entities (the plugin's default media type)."""
    if root is None:
        if "users" in data:
            return "<users>%s</users>" % "".join(to_xml(u, "user") for u in data["users"])
        if "groups" in data:
            return "<groups>%s</groups>" % "".join(to_xml(g, "group") for g in data["groups"])
        if "groupnames" in data:
            return "<groups>%s</groups>" % "".join("<groupname>%s</groupname>" % escape(g)
                                                   for g in data["groupnames"])
        if "property" in data:
            return "<properties>%s</properties>" % "".join(
                "<property key=%s value=%s/>" % (quoteattr(p["key"]), quoteattr(p["value"])) for p in data["property"])
        if "exception" in data:
            root = "error"
        elif "username" in data:
            root = "user"
        elif "key" in data:
            return "<property key=%s value=%s/>" % (quoteattr(data["key"]), quoteattr(data["value"]))
        else:
            root = "group"
    inner = []
    for key, value in data.items():
        if value is None:
            continue
        if key == "properties":
            inner.append("<properties>%s</properties>" % "".join(
                "<property key=%s value=%s/>" % (quoteattr(p["key"]), quoteattr(p["value"])) for p in value))
        elif isinstance(value, list):
            child = key[:-1]
            inner.append("<%s>%s</%s>" % (key, "".join("<%s>%s</%s>" % (child, escape(v), child) for v in value), key))
        elif isinstance(value, bool):
            inner.append("<%s>%s</%s>" % (key, "true" if value else "false", key))
        else:
            inner.append("<%s>%s</%s>" % (key, escape(str(value)), key))
    return "<%s>%s</%s>" % (root, "".join(inner), root)


class Handler(BaseHTTPRequestHandler):
    server_version = "Jetty(standin)"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_OPTIONS(self):
        self.handle_any("OPTIONS")

    def wants_json(self):
        return "application/json" in (self.headers.get("Accept") or "")

    def error_is_json(self):
        accept = [a.split(";")[0].strip() for a in (self.headers.get("Accept") or "").split(",") if a.strip()]
        if len(accept) == 1 and "*" not in accept[0]:
            return accept[0] == "application/json"
        return (self.headers.get("Content-Type") or "").startswith("application/json")

    def send(self, status, payload=None, as_json=True, headers=None):
        if payload is None:
            raw = b""
        elif as_json:
            raw = json.dumps(payload).encode("utf-8")
        else:
            raw = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + to_xml(payload)).encode("utf-8")
        self.send_response(status)
        for key, value in CORS.items():
            self.send_header(key, value)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if raw:
            self.send_header("Content-Type", "application/json" if as_json else "application/xml")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def authenticate(self, state, path):
        props = state.properties
        if path == PREFIX + "/openapi.yaml" or re.match(r"^%s/system/(liveness|readiness)(/|$)" % PREFIX, path):
            return
        if props.get("plugin.restapi.enabled") != "true":
            raise Fail(403)
        if self.command == "OPTIONS":
            return
        allowed = [ip.strip() for ip in props.get("plugin.restapi.allowedIPs", "").split(",") if ip.strip()]
        if allowed:
            client = (self.headers.get("x-forwarded-for") or self.headers.get("X_FORWARDED_FOR")
                      or self.headers.get("X-Forward-For") or self.client_address[0])
            if client not in allowed:
                raise Fail(401)
        auth = self.headers.get("Authorization")
        if auth is None:
            raise Fail(401)
        if props.get("plugin.restapi.httpAuth", "basic") == "basic":
            token = auth[6:] if auth.startswith(("Basic ", "basic ")) else auth
            try:
                user, password = base64.b64decode(token, validate=True).decode("utf-8").split(":", 1)
            except (ValueError, UnicodeDecodeError):
                raise Fail(401)
            known = state.users.get(user.lower())
            if user.lower() not in state.admins or known is None or known["password"] != password:
                raise Fail(401)
        elif auth != props.get("plugin.restapi.secret"):
            raise Fail(401)

    def handle_any(self, method):
        state = self.server.state
        split = urlsplit(self.path)
        path = split.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        with state.lock:
            state.requests.append((method, path))
            try:
                if not path.startswith("/plugins/restapi/"):
                    raise Fail(404)
                if state.properties.get(WILDCARD) != "true":
                    # The admin console's AuthCheckFilter ignores the plugin's wildcard exclude.
                    raise Fail(302, headers={"Location": "/login.jsp?url=" + quote(self.path, safe="")})
                if not path.startswith(PREFIX + "/"):
                    raise Fail(404)
                self.authenticate(state, path)
                if method == "OPTIONS":
                    self.send(200)
                    return
                status, payload = self.dispatch(state, method, path, split.query, raw)
                self.send(status, payload, as_json=self.wants_json())
            except Fail as fail:
                if fail.entity is not None:
                    self.send(fail.status, fail.entity, as_json=self.error_is_json(), headers=fail.headers)
                else:
                    self.send(fail.status, headers=fail.headers)

    def dispatch(self, state, method, path, query, raw):
        parts = [unquote(p) for p in path[len(PREFIX) + 1:].split("/") if p]
        if parts[:2] == ["system", "liveness"] or parts[:2] == ["system", "readiness"]:
            return 200, None
        body = None
        if raw:
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                raise Fail(415)
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                raise Fail(400)
        if method in ("POST", "PUT") and body is None and not (parts and parts[0] in ("lockouts",)) \
                and not (len(parts) == 4 and parts[0] == "users" and parts[2] == "groups"):
            raise Fail(500)
        params = dict((k, v[0]) for k, v in parse_qs(query).items())
        return Api(state).route(method, parts, params, body or {})


class OpenfireStandin:
    """The stand-in on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, secret="standin-secret", domain="example.org", admin_password="admin-pass",
                 wildcard=True, http_auth="secret", port=0):
        self.state = State(domain, secret, admin_password, wildcard=wildcard, http_auth=http_auth)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.secret = secret
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--secret", default=os.environ.get("OPENFIRE_STANDIN_SECRET", "standin-secret"))
    parser.add_argument("--domain", default="example.org")
    parser.add_argument("--admin-password", default="admin-pass")
    parser.add_argument("--no-wildcard", action="store_true", help="leave out " + WILDCARD + " (302 trap)")
    parser.add_argument("--pid-file")
    args = parser.parse_args(argv)
    server = OpenfireStandin(args.secret, args.domain, args.admin_password, wildcard=not args.no_wildcard,
                             port=args.port)
    if args.pid_file:
        with open(args.pid_file, "w") as handle:
            handle.write("%d\n" % os.getpid())
    sys.stdout.write("openfire stand-in on %s\n" % server.url)
    sys.stdout.flush()
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
