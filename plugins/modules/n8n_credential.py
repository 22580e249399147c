#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: n8n_credential
short_description: Manage n8n credentials over the public API
version_added: 0.1.0
description:
  - Creates, updates and deletes n8n credentials, matched by their exact name.
  - n8n never returns a credential's secret data, so existing data cannot be compared; O(update_data) decides
    whether it is written again.
  - Several credentials with the same name make the module fail rather than guess.
options:
  name:
    description:
      - Exact name of the credential (n8n names are not unique; duplicates are an error).
      - Required unless O(credentials) is used.
    type: str
  type:
    description:
      - Credential type, for example V(ollamaApi), V(xmppApi) or V(rabbitMqApi).
      - Required when O(state=present). An existing credential of another type is an error (changing
        the type would break every workflow that uses it); delete it first.
    type: str
  data:
    description:
      - The credential's fields, as in C(GET /api/v1/credentials/schema/<type>). Never logged.
      - Required when O(state=present). n8n validates them against the type's schema.
    type: dict
  update_data:
    description:
      - V(on_create) writes O(data) only when the credential is created (re-runs report no change).
      - V(always) replaces the data on every run (and reports a change), as it cannot be read back.
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description:
      - V(present) creates the credential, V(absent) deletes every credential of that exact name.
    type: str
    choices: [present, absent]
    default: present
  credentials:
    description:
      - Several credentials in one task, each a dictionary of the options above (O(credentials[].name) required).
      - Mutually exclusive with O(name); the per-credential options must then be set inside each item.
    type: list
    elements: dict
    suboptions:
      name:
        description: Exact name of the credential.
        type: str
        required: true
      type:
        description: Credential type; required when O(credentials[].state=present).
        type: str
      data:
        description: The credential's fields; required when O(credentials[].state=present). Never logged.
        type: dict
      update_data:
        description: V(on_create) or V(always), as O(update_data).
        type: str
        choices: [on_create, always]
        default: on_create
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
      - The diff shows name, type and the names of the data fields written, never their values.
  idempotent:
    support: partial
    details:
      - With O(update_data=always) every run writes the data again and reports a change.
  action_group:
    membership: [homelab.llm_stack.n8n]
seealso:
  - module: homelab.llm_stack.n8n_workflow
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Point n8n at the in-cluster Ollama.
  homelab.llm_stack.n8n_credential:
    api_url: http://n8n.llm-stack.svc:5678
    api_key: "{{ n8n_api_key }}"
    name: Ollama (k3s)
    type: ollamaApi
    data:
      baseUrl: http://ollama.llm-stack.svc:11434

- name: Several credentials, the password written again on every run.
  homelab.llm_stack.n8n_credential:
    api_url: http://n8n.llm-stack.svc:5678
    api_key: "{{ n8n_api_key }}"
    credentials:
      - name: XMPP bot
        type: xmppApi
        update_data: always
        data: {service: "xmpp://openfire.llm-stack.svc:5222", domain: homelab.lan, jid: bot, password: "{{ bot_pw }}"}
      - name: Old credential
        state: absent
"""

RETURN = r"""
results:
  description: One entry per credential.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Credential name.
      type: str
    changed:
      description: Whether it was (or would be) changed.
      type: bool
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
    id:
      description: The credential's id (absent in check mode before creation).
      type: str
  sample: [{"name": "Ollama (k3s)", "changed": true, "action": "create", "id": "k3JxTrcKzAb0mQ1c"}]
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import ApiModule, Outcome
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import (
    API_BASE,
    API_KEY_HEADER,
    N8nClient,
    n8n_connection_argspec,
    exact_matches,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    type=dict(type="str"),
    data=dict(type="dict", no_log=True),
    update_data=dict(type="str", choices=["on_create", "always"], default="on_create"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)
ITEM_CHECKS = dict(required_if=[("state", "present", ("type", "data"))])


def converge_one(client, existing, item, check_mode):
    found = exact_matches(existing, item["name"])
    before = dict(name=found[0]["name"], type=found[0]["type"]) if len(found) == 1 else None
    if item["state"] == "absent":
        if not found:
            return Outcome(False)
        if not check_mode:
            for cred in found:
                client.delete_credential(cred["id"])
        return Outcome(True, before=before or dict(name=item["name"], count=len(found)), after=None)
    if len(found) > 1:
        raise ApiError("%d credentials are named %r (ids %s); rename or delete the extra ones" % (
            len(found), item["name"], ", ".join(sorted(c["id"] for c in found))))
    after = dict(name=item["name"], type=item["type"])
    if not found:
        after["data_fields"] = sorted(item["data"])
        if check_mode:
            return Outcome(True, before=None, after=after)
        created = client.create_credential(item["name"], item["type"], item["data"])
        return Outcome(True, before=None, after=after, id=created["id"])
    cred = found[0]
    if cred["type"] != item["type"]:
        raise ApiError("credential %r has type %s, not %s; delete it first (workflows refer to its id)" % (
            item["name"], cred["type"], item["type"]))
    if item["update_data"] == "on_create":
        return Outcome(False, before=before, after=after, id=cred["id"])
    after["data_fields"] = sorted(item["data"])
    if not check_mode:
        client.update_credential(cred["id"], {"data": item["data"]})
    return Outcome(True, before=before, after=after, action="update", id=cred["id"])


def main():
    module = ApiModule(ITEM_SPEC, "credentials", n8n_connection_argspec(), item_checks=ITEM_CHECKS)
    items = module.items()
    client = N8nClient(module.client(API_BASE, headers={API_KEY_HEADER: module.params["api_key"]}))
    existing = []

    def handler(item):
        if not existing:
            existing.append(client.credentials())
        return converge_one(client, existing[0], item, module.check_mode)

    module.converge(handler, items)


if __name__ == "__main__":
    main()
