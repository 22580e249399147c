#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: n8n_workflow
short_description: Manage n8n workflows, their tags and activation over the public API
version_added: 0.1.0
description:
  - Creates, updates and deletes n8n workflows matched by exact name (or by O(id)), sets their tags and
    activates or deactivates them.
  - The definition is compared in a normalised form with what n8n holds (read-only fields such as C(id),
    C(active), C(versionId) stripped; node ids n8n generated are kept); nothing is written when they are equal.
  - 'Credentials are referenced by name in the definition (C({"ollamaApi": {"name": "Ollama"}}) or
    C({"ollamaApi": "Ollama"})) and resolved to their ids before any write.'
  - Every definition is read and checked, and every credential reference resolved, before the first write.
options:
  name:
    description:
      - Exact name of the workflow; it replaces any C(name) inside the definition.
      - n8n names are not unique; when several workflows have this name the module fails unless O(id) is given.
      - Required unless O(workflows) is used.
    type: str
  id:
    description:
      - Id of an existing workflow, to pick one of several with the same name (it is renamed to O(name)).
      - n8n chooses workflow ids itself; an unknown id is an error with O(state=present).
    type: str
  definition:
    description:
      - The workflow as n8n exports it (at least C(nodes); C(connections), C(settings), C(staticData),
        C(pinData) are used when present, other keys are ignored).
      - Mutually exclusive with O(src); one of them is required with O(state=present).
    type: dict
  src:
    description:
      - Path (on the host that runs the module) of a workflow JSON file, for example an n8n export.
    type: path
  active:
    description:
      - V(true) activates the workflow (it needs a trigger node), V(false) deactivates it; unset leaves it as is
        (a new workflow stays inactive).
      - n8n 2.x activates asynchronously; the module waits up to O(timeout) seconds until the workflow reports
        itself active with its current version, and fails otherwise.
    type: bool
  tags:
    description:
      - Names of the workflow's tags (missing tags are created); unset leaves the tags alone, V([]) removes them.
    type: list
    elements: str
  state:
    description:
      - V(present) creates or updates the workflow, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  workflows:
    description:
      - Several workflows in one task, each a dictionary of the options above (O(workflows[].name) required).
      - Mutually exclusive with O(name); the per-workflow options must then be set inside each item.
      - Every item's definition is read and its credentials resolved before the first write.
    type: list
    elements: dict
    suboptions:
      name:
        description: Exact name of the workflow.
        type: str
        required: true
      id:
        description: Id of an existing workflow, as O(id).
        type: str
      definition:
        description: The workflow as n8n exports it, as O(definition).
        type: dict
      src:
        description: Path of a workflow JSON file, as O(src).
        type: path
      active:
        description: Activate or deactivate; unset leaves it as is.
        type: bool
      tags:
        description: Tag names; unset leaves the tags alone.
        type: list
        elements: str
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
extends_documentation_fragment:
  - homelab.llm_stack.connection
  - homelab.llm_stack.n8n
  - homelab.llm_stack.attributes
  - homelab.llm_stack.attributes.action_group
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the normalised workflow (name, nodes, connections, settings), C(active) and C(tags).
  idempotent:
    support: full
  action_group:
    membership: [homelab.llm_stack.n8n]
notes:
  - A workflow that is active but whose trigger cannot connect (for example a wrong XMPP password) may still be
    reported active by n8n; see the role's notes on restarting n8n after fixing such credentials.
seealso:
  - module: homelab.llm_stack.n8n_credential
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Import and activate an exported workflow.
  homelab.llm_stack.n8n_workflow:
    api_url: http://n8n.llm-stack.svc:5678
    api_key: "{{ n8n_api_key }}"
    name: XMPP chat bot
    src: /tmp/xmpp_chat_bot.json
    active: true
    tags: [llm-stack]

- name: A small scheduled workflow, defined inline.
  homelab.llm_stack.n8n_workflow:
    api_url: http://n8n.llm-stack.svc:5678
    api_key: "{{ n8n_api_key }}"
    workflows:
      - name: Heartbeat
        active: true
        definition:
          nodes:
            - name: Every hour
              type: n8n-nodes-base.scheduleTrigger
              typeVersion: 1.2
              position: [0, 0]
              parameters: {rule: {interval: [{field: hours}]}}
          connections: {}
          settings: {executionOrder: v1}
      - name: Old workflow
        state: absent
"""

RETURN = r"""
results:
  description: One entry per workflow.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Workflow name.
      type: str
    changed:
      description: Whether it was (or would be) changed.
      type: bool
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
    id:
      description: The workflow's id (absent in check mode before creation).
      type: str
  sample: [{"name": "XMPP chat bot", "changed": true, "action": "create", "id": "Xk2pWq9rT3aBc4De"}]
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import ApiModule, Outcome
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import (
    API_BASE,
    API_KEY_HEADER,
    N8nClient,
    n8n_connection_argspec,
    N8nError,
    adopt_generated_keys,
    comparable_workflow,
    credential_refs,
    load_definition,
    managed_keys,
    resolve_credentials,
    writable_workflow,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    id=dict(type="str"),
    definition=dict(type="dict"),
    src=dict(type="path"),
    active=dict(type="bool"),
    tags=dict(type="list", elements="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)
# definition/src exclusivity is checked in main(): ApiModule validates the single form with every
# option present (None when unset), which a mutually_exclusive check would count as set.
ITEM_CHECKS = dict(required_if=[("state", "present", ("definition", "src"), True)])


def find(client, item):
    if item["id"]:
        found = client.workflow(item["id"])
        if found is None and item["state"] == "present":
            raise ApiError("no workflow has the id %s (n8n chooses ids; leave id out to create one)" % item["id"])
        return found
    matches = client.workflows_named(item["name"])
    if len(matches) > 1:
        raise ApiError("%d workflows are named %r (ids %s); set id to pick one"
                       % (len(matches), item["name"], ", ".join(sorted(w["id"] for w in matches))))
    # The list omits nothing we compare, but read the single object to get tags and versions as GET returns them.
    return client.workflow(matches[0]["id"]) if matches else None


def state_of(workflow, keys, active, tags):
    state = comparable_workflow(workflow, keys)
    state.update(active=bool(active), tags=sorted(tags))
    return state


def converge_one(client, item, definition, check_mode, timeout):
    current = find(client, item)
    if item["state"] == "absent":
        if current is None:
            return Outcome(False)
        if not check_mode:
            if current.get("active"):
                # 2.41.1 answers 409 "Cannot delete a published workflow" otherwise.
                client.set_active(current["id"], False)
            client.delete_workflow(current["id"], timeout)
        return Outcome(True, before=dict(name=current["name"], id=current["id"]), after=None)
    body = adopt_generated_keys(writable_workflow(definition, item["name"]), current)
    keys = managed_keys(body)
    current_tags = sorted(t["name"] for t in (current or {}).get("tags") or [])
    active = item["active"] if item["active"] is not None else bool((current or {}).get("active"))
    tags = sorted(set(item["tags"])) if item["tags"] is not None else current_tags
    after = state_of(body, keys, active, tags)
    before = state_of(current, keys, current.get("active"), current_tags) if current else None
    if before == after:
        return Outcome(False, before=before, after=after, id=current["id"])
    if check_mode:
        return Outcome(True, before=before, after=after, id=(current or {}).get("id"))
    updated = False
    if current is None:
        current = client.create_workflow(body)
    elif comparable_workflow(current, keys) != comparable_workflow(body, keys):
        # An active workflow is republished by the PUT (publishIfActive defaults to true).
        current = client.update_workflow(current["id"], body)
        updated = True
    wid = current["id"]
    if tags != current_tags:
        client.set_workflow_tags(wid, client.tag_ids(tags, create=True))
    if active != bool(current.get("active")):
        client.set_active(wid, active)
    if active != bool(current.get("active")) or (active and updated):
        try:
            client.wait_active(wid, active, timeout)
        except N8nError as exc:
            raise ApiError(str(exc))
    return Outcome(True, before=before, after=after, id=wid)


def main():
    module = ApiModule(ITEM_SPEC, "workflows", n8n_connection_argspec(), item_checks=ITEM_CHECKS)
    items = module.items()
    definitions = {}
    try:
        for item in items:
            if item["definition"] is not None and item["src"] is not None:
                raise N8nError("definition and src are mutually exclusive")
            if item["state"] == "present":
                definitions[item["name"]] = load_definition(item["definition"], item["src"])
    except N8nError as exc:
        module.fail_json(msg="%s: %s" % (item["name"], exc))
    client = N8nClient(module.client(API_BASE, headers={API_KEY_HEADER: module.params["api_key"]}))
    if any(credential_refs(d) for d in definitions.values()):
        try:
            credentials = client.credentials()
        except ApiError as exc:
            module.fail_json(msg="cannot list the credentials: %s" % exc, **exc.to_result())
        errors = []
        for name, definition in sorted(definitions.items()):
            try:
                definitions[name] = resolve_credentials(definition, credentials)
            except N8nError as exc:
                errors.append("%s: %s" % (name, exc))
        if errors:
            module.fail_json(msg="; ".join(errors))
    module.converge(lambda item: converge_one(client, item, definitions.get(item["name"]), module.check_mode,
                                              module.params["timeout"]), items)


if __name__ == "__main__":
    main()
