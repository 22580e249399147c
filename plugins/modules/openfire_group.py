#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: openfire_group
short_description: Manage Openfire groups over the REST API plugin
version_added: 0.1.0
description:
  - Creates, updates or deletes Openfire groups through the REST API plugin.
  - Reads the group first and writes only when it differs. Every write sends the description and both member
    lists, because the plugin replaces them (and clears an omitted description) on update.
  - Members and admins may be given as usernames or JIDs; usernames become C(user@<xmpp.domain>) (read from the
    system property C(xmpp.domain)) and localparts are lower-cased before comparing.
options:
  name:
    description:
      - Name of the group. Required unless O(groups) is given.
    type: str
  description:
    description:
      - Description. Unset keeps the current one.
    type: str
  members:
    description:
      - Complete list of members (usernames or JIDs). Unset keeps the current members.
    type: list
    elements: str
  admins:
    description:
      - Complete list of group admins (usernames or JIDs). Unset keeps the current admins.
    type: list
    elements: str
  shared:
    description:
      - Whether the group is shared in its members' rosters. Unset keeps the current setting (V(false) on create).
    type: bool
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  groups:
    description:
      - List form; each item takes the options above. Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the group.
        type: str
        required: true
      description:
        description: Description.
        type: str
      members:
        description: Complete list of members.
        type: list
        elements: str
      admins:
        description: Complete list of group admins.
        type: list
        elements: str
      shared:
        description: Shared in the members' rosters.
        type: bool
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
seealso:
  - module: homelab.llm_stack.openfire_user
  - module: homelab.llm_stack.openfire_property
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: A shared group of the lab's humans.
  homelab.llm_stack.openfire_group:
    api_url: http://openfire.llm-stack.svc:9090
    api_secret: "{{ openfire_rest_secret }}"
    name: humans
    description: People of the lab
    members: [alice, bob]
    admins: [alice]
    shared: true

- name: Remove a group.
  homelab.llm_stack.openfire_group:
    api_url: http://openfire.llm-stack.svc:9090
    api_secret: "{{ openfire_rest_secret }}"
    groups:
      - name: old-team
        state: absent
"""

RETURN = r"""
results:
  description: One entry per group.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "humans", "changed": true, "action": "create"}]
  contains:
    name:
      description: Name of the group.
      type: str
    changed:
      description: Whether the group was (or in check mode would be) changed.
      type: bool
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
diff:
  description: Before and after (name, description, members, admins as bare JIDs, shared), under C(--diff).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import Outcome
from ansible_collections.homelab.llm_stack.plugins.module_utils._openfire import (
    OpenfireModule,
    desired_group,
    group_body,
    group_view,
    localpart_error,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    members=dict(type="list", elements="str"),
    admins=dict(type="list", elements="str"),
    shared=dict(type="bool"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def domain_for(client, item):
    """The XMPP domain, read only when a bare username needs it."""
    if not any("@" not in m for m in (item["members"] or []) + (item["admins"] or [])):
        return ""
    domain = client.domain()
    if not domain:
        raise ApiError("cannot turn usernames into JIDs: the system property xmpp.domain is not readable; "
                       "give members and admins as full JIDs")
    return domain


def converge_one(client, item, check_mode):
    name = item["name"]
    entity = client.get_group(name)
    domain = domain_for(client, item)
    before = None if entity is None else group_view(entity, domain)
    if item["state"] == "absent":
        if before is None:
            return Outcome(False, None, None)
        if not check_mode:
            client.delete_group(name)
        return Outcome(True, before, None)
    after = desired_group(before, item, domain)
    if before == after:
        return Outcome(False, before, after)
    if not check_mode:
        if before is None:
            client.create_group(group_body(after))
        else:
            client.update_group(name, group_body(after))
    return Outcome(True, before, after)


def main():
    module = OpenfireModule(ITEM_SPEC, "groups")
    items = module.items()
    for item in items:
        if not item["name"].strip() or "/" in item["name"]:
            module.fail_json(msg="group name %r must be non-empty and contain no '/'" % item["name"])
        for member in (item["members"] or []) + (item["admins"] or []):
            problem = localpart_error(member.split("@", 1)[0]) if member.count("@") <= 1 else "has more than one '@'"
            if problem:
                module.fail_json(msg="group %s: member %r %s" % (item["name"], member, problem))
    client = module.openfire()
    module.converge(lambda item: converge_one(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
