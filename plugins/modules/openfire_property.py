#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: openfire_property
short_description: Manage Openfire system properties over the REST API plugin
version_added: 0.1.0
description:
  - Creates, updates or deletes Openfire system properties (C(/system/properties)) through the REST API plugin.
  - Reads each property first and writes only when its value differs; a write is an upsert (C(POST)).
  - Values of keys that look secret (containing C(secret), C(password), C(passwd), C(token) or C(key)) are masked
    in results and diffs.
options:
  key:
    description:
      - Name of the property, for example V(xmpp.client.tls.policy). Required unless O(properties) is given.
    type: str
  value:
    description:
      - Value of the property (always a string in Openfire). Required when O(state=present).
    type: str
  state:
    description:
      - V(present) sets the property to O(value); V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  properties:
    description:
      - List form; each item takes O(key), O(value) and O(state). Mutually exclusive with O(key).
    type: list
    elements: dict
    suboptions:
      key:
        description: Name of the property.
        type: str
        required: true
      value:
        description: Value of the property; required when O(properties[].state=present).
        type: str
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
extends_documentation_fragment:
  - homelab.llm_stack.openfire
  - homelab.llm_stack.connection
  - homelab.llm_stack.connection.basic_auth
  - homelab.llm_stack.attributes
  - homelab.llm_stack.attributes.action_group
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
  action_group:
    membership: [homelab.llm_stack.openfire]
notes:
  - Changing C(plugin.restapi.secret) or C(plugin.restapi.httpAuth) takes effect at once; later calls need the new
    credentials.
seealso:
  - module: homelab.llm_stack.openfire_user
  - module: homelab.llm_stack.openfire_group
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Require STARTTLS on client connections.
  homelab.llm_stack.openfire_property:
    api_url: http://openfire.llm-stack.svc:9090
    api_secret: "{{ openfire_rest_secret }}"
    key: xmpp.client.tls.policy
    value: required

- name: Set several properties and remove one.
  homelab.llm_stack.openfire_property:
    api_url: http://openfire.llm-stack.svc:9090
    api_secret: "{{ openfire_rest_secret }}"
    properties:
      - key: xmpp.auth.anonymous
        value: "false"
      - key: httpbind.CORS.domains
        value: "*"
      - key: obsolete.setting
        state: absent
"""

RETURN = r"""
results:
  description: One entry per property.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "xmpp.client.tls.policy", "changed": true, "action": "update"}]
  contains:
    name:
      description: Key of the property.
      type: str
    changed:
      description: Whether the property was (or in check mode would be) changed.
      type: bool
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
diff:
  description: Before and after (key and value; secret-looking values masked), under C(--diff).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._module import Outcome
from ansible_collections.homelab.llm_stack.plugins.module_utils._openfire import OpenfireModule, property_view

ITEM_SPEC = dict(
    key=dict(type="str", required=True, no_log=False),
    value=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def converge_one(client, item, check_mode):
    key = item["key"]
    current = client.get_property(key)
    before = property_view(key, current)
    if item["state"] == "absent":
        if current is None:
            return Outcome(False, None, None)
        if not check_mode:
            client.delete_property(key)
        return Outcome(True, before, None)
    if current == item["value"]:
        return Outcome(False, before, before)
    if not check_mode:
        client.set_property(key, item["value"])
    return Outcome(True, before, property_view(key, item["value"]))


def main():
    module = OpenfireModule(ITEM_SPEC, "properties", name_key="key",
                            item_checks=dict(required_if=[("state", "present", ("value",))]))
    items = module.items()
    for item in items:
        if not item["key"].strip():
            module.fail_json(msg="key must not be empty")
        if item["state"] == "present" and item["value"] is None:
            module.fail_json(msg="property %s: value is required when state is present" % item["key"])
    client = module.openfire()
    module.converge(lambda item: converge_one(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
