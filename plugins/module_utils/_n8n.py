# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the n8n client of the n8n_* modules, the role and the test harness.

"""n8n over its public API (/api/v1, X-N8N-API-KEY) plus the headless bootstrap over the
internal REST API (/rest: login, API keys).

Pure functions (normalise, compare, resolve credentials) need no server and are unit-tested.
Contract: shared/reference/n8n.md (n8n 2.41.1).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import time

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import connection_argspec

API_BASE = "/api/v1"
API_KEY_HEADER = "X-N8N-API-KEY"
AUTH_COOKIE = "n8n-auth"

# Scopes the modules need (there is no workflow:publish scope; activation is workflow:activate).
API_KEY_SCOPES = [
    "workflow:create", "workflow:read", "workflow:update", "workflow:delete", "workflow:list",
    "workflow:activate", "workflow:deactivate",
    "credential:create", "credential:read", "credential:update", "credential:delete", "credential:list",
    "tag:create", "tag:read", "tag:list", "tag:update", "workflowTags:update", "workflowTags:list",
]

# Top-level workflow keys the API accepts on POST/PUT; everything else it returns is read-only
# (id, active, tags, meta, versionId, description in 2.41.1, shared, activeVersion, ...).
WRITABLE_WORKFLOW_KEYS = ("name", "nodes", "connections", "settings", "staticData", "pinData")
# Node keys n8n fills in itself when the definition leaves them out.
GENERATED_NODE_KEYS = ("id", "webhookId")


def n8n_connection_argspec():
    """The n8n modules' connection options: api_url (no default) and api_key, both required."""
    spec = connection_argspec(api_key=True)
    spec["api_key"]["required"] = True
    return spec


class N8nError(Exception):
    """Bad input or an unexpected server state, found before (or instead of) a write."""


# -- pure functions ---------------------------------------------------------------


def load_definition(definition=None, src=None):
    """The workflow definition from a dict or an exported JSON file; raises N8nError on bad input."""
    if src is not None:
        try:
            with open(src) as handle:
                definition = json.load(handle)
        except (IOError, OSError) as exc:
            raise N8nError("cannot read %s: %s" % (src, exc))
        except ValueError as exc:
            raise N8nError("%s is not valid JSON: %s" % (src, exc))
    if not isinstance(definition, dict):
        raise N8nError("the workflow definition must be a JSON object, got %s" % type(definition).__name__)
    nodes = definition.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise N8nError("the workflow definition has no nodes")
    names = []
    for node in nodes:
        if not isinstance(node, dict) or not node.get("name") or not node.get("type"):
            raise N8nError("every node needs a name and a type: %s" % json.dumps(node)[:200])
        names.append(node["name"])
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise N8nError("node names must be unique in a workflow: %s" % ", ".join(duplicates))
    connections = definition.get("connections", {})
    if not isinstance(connections, dict):
        raise N8nError("connections must be an object")
    unknown = sorted(set(connections) - set(names))
    if unknown:
        raise N8nError("connections start from nodes that do not exist: %s" % ", ".join(unknown))
    return definition


def credential_refs(definition):
    """[(node name, credential type, referenced name or None, referenced id or None)] of a definition.

    A reference is {"<type>": {"id": ..., "name": ...}} as n8n exports it, or {"<type>": "<name>"}.
    """
    refs = []
    for node in definition.get("nodes") or []:
        for cred_type, ref in sorted((node.get("credentials") or {}).items()):
            if isinstance(ref, dict):
                refs.append((node["name"], cred_type, ref.get("name"), ref.get("id")))
            else:
                refs.append((node["name"], cred_type, ref, None))
    return refs


def resolve_credentials(definition, credentials):
    """A copy of the definition whose credential references carry the real id and name.

    credentials: the server's list (id, name, type). A reference is resolved by exact name
    (and type); without a name, by id. Raises N8nError for unknown or ambiguous references.
    """
    resolved = copy.deepcopy(definition)
    errors = []
    for node in resolved.get("nodes") or []:
        for cred_type, ref in sorted((node.get("credentials") or {}).items()):
            name, cid = (ref.get("name"), ref.get("id")) if isinstance(ref, dict) else (ref, None)
            if name:
                found = [c for c in credentials if c.get("name") == name and c.get("type") == cred_type]
                what = "%s credential named %r" % (cred_type, name)
            else:
                found = [c for c in credentials if cid is not None and c.get("id") == cid and c.get("type") == cred_type]
                what = "%s credential with id %r" % (cred_type, cid)
            if not found:
                errors.append("node %r: no %s" % (node["name"], what))
            elif len(found) > 1:
                errors.append("node %r: %d %ss (ids %s); names must be unique"
                              % (node["name"], len(found), what, ", ".join(sorted(str(c["id"]) for c in found))))
            else:
                node["credentials"][cred_type] = {"id": found[0]["id"], "name": found[0]["name"]}
    if errors:
        raise N8nError("; ".join(errors))
    return resolved


def writable_workflow(definition, name):
    """The POST/PUT body: the writable keys only, the given name, settings always present."""
    body = dict((k, copy.deepcopy(definition[k])) for k in WRITABLE_WORKFLOW_KEYS if k in definition)
    body["name"] = name
    body.setdefault("connections", {})
    body.setdefault("settings", {})
    return body


def adopt_generated_keys(body, existing):
    """Copy server-generated node keys (id, webhookId) from the existing workflow's node of the same
    name when the definition leaves them out, so an export-free definition compares equal."""
    current = dict((n.get("name"), n) for n in (existing or {}).get("nodes") or [])
    for node in body["nodes"]:
        old = current.get(node["name"])
        if old:
            for key in GENERATED_NODE_KEYS:
                if key not in node and key in old:
                    node[key] = old[key]
    return body


def comparable_workflow(workflow, keys=None):
    """Normalised form of a workflow for comparison and diff: writable keys only, nodes by name."""
    keys = keys or WRITABLE_WORKFLOW_KEYS
    result = {}
    for key in keys:
        if key in ("staticData", "pinData") and workflow.get(key) in (None, {}):
            continue
        value = copy.deepcopy(workflow.get(key))
        if key == "nodes":
            value = sorted(value or [], key=lambda n: n.get("name", ""))
        if key in ("connections", "settings") and value is None:
            value = {}
        result[key] = value
    return result


def managed_keys(body):
    """The keys a PUT of body manages: always name/nodes/connections/settings, the rest when given."""
    return [k for k in WRITABLE_WORKFLOW_KEYS if k in body or k in ("name", "nodes", "connections", "settings")]


def exact_matches(objects, name):
    return [o for o in objects if o.get("name") == name]


# -- public API client -------------------------------------------------------------


class N8nClient:
    """The public API (/api/v1) over an ApiClient whose base URL ends in /api/v1."""

    def __init__(self, api):
        self.api = api

    def list_all(self, path, params=None):
        """Every object of a paginated list (data + nextCursor)."""
        params = dict(params or {})
        params.setdefault("limit", 250)
        items = []
        while True:
            page = self.api.get_json(path, params=params, missing=()) or {}
            items.extend(page.get("data") or [])
            cursor = page.get("nextCursor")
            if not cursor:
                return items
            params = {"cursor": cursor}

    # credentials
    def credentials(self):
        return self.list_all("/credentials")

    def create_credential(self, name, cred_type, data):
        return self.api.send_json("POST", "/credentials", {"name": name, "type": cred_type, "data": data})

    def update_credential(self, cid, body):
        return self.api.send_json("PATCH", "/credentials/%s" % cid, body)

    def delete_credential(self, cid):
        return self.api.send_json("DELETE", "/credentials/%s" % cid)

    # workflows
    def workflows_named(self, name):
        """Workflows whose name is exactly `name` (the server's ?name= is a partial match)."""
        return exact_matches(self.list_all("/workflows", {"name": name, "excludePinnedData": "false"}), name)

    def workflow(self, wid):
        return self.api.get_json("/workflows/%s" % wid)

    def create_workflow(self, body):
        return self.api.send_json("POST", "/workflows", body)

    def update_workflow(self, wid, body):
        return self.api.send_json("PUT", "/workflows/%s" % wid, body)

    def delete_workflow(self, wid, timeout=30, interval=1.0, sleep=time.sleep, clock=time.time):
        """Delete; an unpublish still in progress (2.x, asynchronous) answers 409 and is waited for."""
        deadline = clock() + timeout
        while True:
            try:
                return self.api.send_json("DELETE", "/workflows/%s" % wid)
            except ApiError as exc:
                if exc.status != 409 or "being unpublished" not in (exc.reason or "") or clock() >= deadline:
                    raise
            sleep(interval)

    def set_active(self, wid, active):
        return self.api.send_json("POST", "/workflows/%s/%s" % (wid, "activate" if active else "deactivate"))

    def wait_active(self, wid, active, timeout, interval=1.0, sleep=time.sleep, clock=time.time):
        """Poll until the workflow reports the wanted state and, when active, runs its current version.

        n8n 2.x publishes asynchronously (outbox); a trigger that cannot start leaves the
        workflow inactive or without an active version. Raises N8nError on timeout.
        """
        deadline = clock() + timeout
        while True:
            current = self.workflow(wid) or {}
            if active and current.get("active") and current.get("activeVersionId") in (None, current.get("versionId")):
                return current
            if not active and not current.get("active"):
                return current
            if clock() >= deadline:
                raise N8nError("workflow %s did not become %s within %d s (active=%s, activeVersionId=%s, versionId=%s)"
                               % (wid, "active" if active else "inactive", timeout, current.get("active"),
                                  current.get("activeVersionId"), current.get("versionId")))
            sleep(interval)

    # tags
    def tags(self):
        return self.list_all("/tags")

    def tag_ids(self, names, create):
        """Ids of the tags named `names`; missing tags are created when `create` (else get None)."""
        known = dict((t["name"], t["id"]) for t in self.tags())
        result = []
        for name in names:
            if name not in known and create:
                try:
                    known[name] = self.api.send_json("POST", "/tags", {"name": name})["id"]
                except ApiError as exc:
                    if exc.status != 409:
                        raise
                    known.update((t["name"], t["id"]) for t in self.tags())
            result.append(known.get(name))
        return result

    def set_workflow_tags(self, wid, tag_ids):
        return self.api.send_json("PUT", "/workflows/%s/tags" % wid, [{"id": t} for t in tag_ids])


# -- headless bootstrap (internal REST API) ---------------------------------------------


def _auth_cookie(response):
    """The n8n-auth JWT from a login/setup answer. It is sent back as an explicit header because
    the cookie is marked Secure by default and a cookie jar would not send it over plain http."""
    for cookie in response.cookies:
        if cookie.name == AUTH_COOKIE:
            return cookie.value
    raise ApiError("n8n answered without an %s cookie" % AUTH_COOKIE, status=response.status_code)


def key_works(rest, api_key):
    """True when api_key is accepted by the public API (401/403 → False)."""
    response = rest.request("GET", API_BASE + "/workflows", params={"limit": 1},
                            headers={API_KEY_HEADER: api_key}, expected=(200, 401, 403))
    return response.status_code == 200


def bootstrap(rest, email, password, api_key=None, label="ansible", scopes=None, check_mode=False):
    """Log in as the instance owner and make sure there is a working API key.

    The owner is never created here: n8n must start with it declared (N8N_INSTANCE_OWNER_MANAGED_BY_ENV,
    _EMAIL, _PASSWORD_HASH), so there is no window in which anyone could claim it. rest: ApiClient on the
    n8n base URL (no path). api_key: a key stored earlier; kept when it still works. Returns a dict
    {key_created, api_key} (api_key None in check mode when one would be created). Raises N8nError on an
    instance without an owner, ApiError on a failed request (e.g. 401 for a wrong password).
    """
    settings = (rest.get_json("/rest/settings", missing=()) or {}).get("data") or {}
    if (settings.get("userManagement") or {}).get("showSetupOnFirstLoad"):
        raise N8nError("n8n at %s has no owner yet and shows its owner-setup page: start it with "
                       "N8N_INSTANCE_OWNER_MANAGED_BY_ENV=true, N8N_INSTANCE_OWNER_EMAIL and "
                       "N8N_INSTANCE_OWNER_PASSWORD_HASH (the n8n role does)" % rest.base_url)
    result = {"key_created": False, "api_key": api_key}
    if api_key and key_works(rest, api_key):
        return result
    result["key_created"] = True
    result["api_key"] = None
    if check_mode:
        return result
    response = rest.request("POST", "/rest/login", json_body={"emailOrLdapLoginId": email, "password": password})
    headers = {"Cookie": "%s=%s" % (AUTH_COOKIE, _auth_cookie(response))}
    listed = (rest.decode(rest.request("GET", "/rest/api-keys", headers=headers)) or {}).get("data") or []
    if isinstance(listed, dict):  # 2.41.1: {"items": [...], "counts": ...}
        listed = listed.get("items") or []
    for key in listed:
        # Labels are unique per user (a second one is an HTTP 500); the raw key of the old one is lost.
        if key.get("label") == label:
            rest.request("DELETE", "/rest/api-keys/%s" % key["id"], headers=headers)
    created = rest.decode(rest.request("POST", "/rest/api-keys", headers=headers, json_body={
        "label": label, "expiresAt": None, "scopes": list(scopes or API_KEY_SCOPES)}))
    result["api_key"] = ((created or {}).get("data") or {}).get("rawApiKey")
    if not result["api_key"]:
        raise ApiError("n8n created the API key but returned no rawApiKey")
    return result
