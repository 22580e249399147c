#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: openfire_user
short_description: Manage Openfire users, their properties and group memberships over the REST API plugin
version_added: 0.1.0
description:
  - Creates, updates or deletes Openfire users through the REST API plugin, with their user properties and the
    groups they belong to.
  - Reads the user first and writes only what differs. Every update sends the full property list, because the
    plugin deletes all user properties on an update that omits them.
  - Usernames are lower-cased before they are compared, as Openfire does (nodeprep).
  - Passwords cannot be read back; see O(update_password).
options:
  username:
    description:
      - The user's name (JID localpart). Lower-cased. Required unless O(users) is given.
      - "Must not contain spaces or any of these characters: C(\" & ' / : < > @)."
    type: str
  password:
    description:
      - Password. Required to create a user; never logged, never in results or diffs.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(always) also sends it on every run for an existing user; as Openfire cannot tell whether it changed,
        such a run always reports C(changed).
    type: str
    choices: [on_create, always]
    default: on_create
  name:
    description:
      - Display name. Unset keeps the current one.
    type: str
  email:
    description:
      - E-mail address. Unset keeps the current one.
    type: str
  properties:
    description:
      - The user's complete set of user properties (key to value); keys not listed are removed.
      - Unset keeps the current properties (they are still sent back in full on update).
    type: dict
  groups:
    description:
      - Groups the user belongs to. Missing groups are created by Openfire. Unset leaves memberships alone.
    type: list
    elements: str
  groups_mode:
    description:
      - V(exact) makes O(groups) the complete list (the user leaves other groups); V(add) only adds.
    type: str
    choices: [exact, add]
    default: exact
  state:
    description:
      - V(present) creates or updates the user; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  users:
    description:
      - List form; each item takes the options above. Mutually exclusive with O(username).
    type: list
    elements: dict
    suboptions:
      username:
        description: The user's name (JID localpart).
        type: str
        required: true
      password:
        description: Password; required to create the user. Never logged.
        type: str
      update_password:
        description: V(on_create) or V(always).
        type: str
        choices: [on_create, always]
        default: on_create
      name:
        description: Display name.
        type: str
      email:
        description: E-mail address.
        type: str
      properties:
        description: Complete set of user properties.
        type: dict
      groups:
        description: Groups the user belongs to.
        type: list
        elements: str
      groups_mode:
        description: V(exact) or V(add).
        type: str
        choices: [exact, add]
        default: exact
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
    details: Passwords never appear in the diff.
  idempotent:
    support: partial
    details: With O(update_password=always) an existing user always reports a change.
  action_group:
    membership: [homelab.llm_stack.openfire]
seealso:
  - module: homelab.llm_stack.openfire_group
  - module: homelab.llm_stack.openfire_property
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Create the bot account.
  homelab.llm_stack.openfire_user:
    api_url: http://openfire.llm-stack.svc:9090
    api_secret: "{{ openfire_rest_secret }}"
    username: bot
    password: "{{ xmpp_password_bot }}"
    name: LLM bot
    groups: [bots]

- name: Several users at once, memberships added to what they have.
  homelab.llm_stack.openfire_user:
    api_url: http://openfire.llm-stack.svc:9090
    api_secret: "{{ openfire_rest_secret }}"
    users:
      - username: alice
        password: "{{ xmpp_password_alice }}"
        email: alice@example.org
        properties: {team: lab}
        groups: [humans]
        groups_mode: add
      - username: olduser
        state: absent
"""

RETURN = r"""
results:
  description: One entry per user.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "alice", "changed": true, "action": "create"}]
  contains:
    name:
      description: Username (lower-cased).
      type: str
    changed:
      description: Whether the user was (or in check mode would be) changed.
      type: bool
    action:
      description: V(create), V(update), V(delete) or V(none).
      type: str
diff:
  description: Before and after (username, name, email, properties, groups; never the password), under C(--diff).
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import Outcome
from ansible_collections.homelab.llm_stack.plugins.module_utils._openfire import (
    OpenfireModule,
    desired_user,
    localpart_error,
    user_body,
    user_view,
)

ITEM_SPEC = dict(
    username=dict(type="str", required=True),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    name=dict(type="str"),
    email=dict(type="str"),
    properties=dict(type="dict"),
    groups=dict(type="list", elements="str"),
    groups_mode=dict(type="str", default="exact", choices=["exact", "add"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def read_user(client, username):
    entity = client.get_user(username)
    if entity is None:
        return None
    return user_view(entity, client.get_user_groups(username))


def converge_one(client, item, check_mode):
    username = item["username"].lower()
    before = read_user(client, username)
    if item["state"] == "absent":
        if before is None:
            return Outcome(False, None, None)
        if not check_mode:
            client.delete_user(username)
        return Outcome(True, before, None)
    after = desired_user(before, item)
    if before is None:
        if item["password"] is None:
            raise ApiError("user %s does not exist; a password is needed to create it" % username)
        if not check_mode:
            client.create_user(user_body(after, item["password"]))
            if after["groups"]:
                client.add_user_groups(username, after["groups"])
        return Outcome(True, None, after)
    send_password = item["update_password"] == "always" and item["password"] is not None
    changed = send_password or after != before
    if changed and not check_mode:
        if send_password or any(after[k] != before[k] for k in ("name", "email", "properties")):
            client.update_user(username, user_body(after, item["password"] if send_password else None))
        added = sorted(set(after["groups"]) - set(before["groups"]))
        if added:
            client.add_user_groups(username, added)
        for group in sorted(set(before["groups"]) - set(after["groups"])):
            client.remove_user_group(username, group)
    return Outcome(changed, before, after, action="update" if changed else "none")


def main():
    module = OpenfireModule(ITEM_SPEC, "users", name_key="username", lower_names=True)
    items = module.items()
    for item in items:
        problem = localpart_error(item["username"])
        if problem:
            module.fail_json(msg="username %r %s" % (item["username"], problem))
        if item["state"] == "present" and item["password"] == "":
            module.fail_json(msg="user %s: password must not be empty" % item["username"].lower())
        for group in item["groups"] or []:
            if not group.strip():
                module.fail_json(msg="user %s: group names must not be empty" % item["username"].lower())
    client = module.openfire()
    module.converge(lambda item: converge_one(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
