#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_user
short_description: Manage RabbitMQ users over the management API
version_added: 0.1.0
description:
  - Create, update or delete RabbitMQ internal users (password and tags) through the management HTTP API.
  - The password is compared with the stored salted hash, so O(update_password=always) stays idempotent
    without logging in as the user and without re-salting on every run.
  - A change of tags alone keeps the password (the stored hash and its algorithm are sent back).
  - Converges one user (O(name)) or many in one run over one HTTP session (O(users)).
  - Permissions are separate objects, see M(homelab.llm_stack.rabbitmq_permission).
author:
  - homelab.llm_stack contributors (!UNKNOWN)
options:
  name:
    description:
      - User name. At most 255 bytes. Mutually exclusive with O(users).
    type: str
  password:
    description:
      - The user's password. Never logged, never shown in the diff.
      - Without it a new user gets no password (it cannot log in with one, for example an x509 user);
        an existing user keeps its password.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(always) also replaces the password of an existing user when it differs from O(password)
        (checked against the stored hash, so a matching password means no change and no write).
    type: str
    choices: [on_create, always]
    default: on_create
  tags:
    description:
      - User tags such as V(administrator), V(monitoring), V(management), V(policymaker). Order does not matter.
      - Unset keeps the current tags (none for a new user); V([]) removes all.
    type: list
    elements: str
  state:
    description:
      - V(present) creates or updates the user, V(absent) deletes it (and its permissions).
    type: str
    choices: [present, absent]
    default: present
  users:
    description:
      - Several users, converged in one run. Each item takes the options above (O(users[].name) required).
      - Mutually exclusive with O(name); the per-user options must then be set inside each item.
    type: list
    elements: dict
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      password:
        description: Password; never logged.
        type: str
      update_password:
        description: V(on_create) or V(always).
        type: str
        choices: [on_create, always]
        default: on_create
      tags:
        description: User tags; unset keeps the current ones.
        type: list
        elements: str
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
extends_documentation_fragment:
  - homelab.llm_stack.rabbitmq
  - homelab.llm_stack.connection
  - homelab.llm_stack.connection.basic_auth
  - homelab.llm_stack.attributes
  - homelab.llm_stack.attributes.action_group
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows tags and a placeholder for the password (C(<hidden>), C(<hidden, new>) or C(<none>)).
  idempotent:
    support: full
  action_group:
    membership: [homelab.llm_stack.rabbitmq]
notes:
  - Supported hashing algorithms for the password check are C(rabbit_password_hashing_sha256) (default),
    C(rabbit_password_hashing_sha512) and C(rabbit_password_hashing_md5). With another algorithm and
    O(update_password=always) the password is written on every run.
  - The same behaviour on RabbitMQ 3.10 and 4.x; 4.x users marked protected cannot be changed over HTTP and fail
    with the server's reason.
seealso:
  - module: homelab.llm_stack.rabbitmq_permission
  - module: homelab.llm_stack.rabbitmq_vhost
"""

EXAMPLES = r"""
- name: Create the user of the n8n XMPP node.
  homelab.llm_stack.rabbitmq_user:
    api_url: http://10.43.0.15:15672
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    name: n8n-xmpp
    password: "{{ rabbitmq_xmpp_password }}"
    update_password: always
    tags: []

- name: Converge several users in one run.
  homelab.llm_stack.rabbitmq_user:
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    users:
      - name: monitor
        password: "{{ monitor_password }}"
        tags: [monitoring]
      - name: leaver
        state: absent
"""

RETURN = r"""
changed:
  description: Whether any user was (or, in check mode, would be) changed.
  returned: always
  type: bool
  sample: false
results:
  description: One entry per user, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
      sample: n8n-xmpp
    changed:
      description: Whether this user changed.
      type: bool
      sample: true
    action:
      description: What was done.
      type: str
      sample: update
      choices: [create, update, delete, none]
diff:
  description:
    - Before and after state (C(tags) and a password placeholder); never the password or its hash.
    - For O(name), the user's state; for O(users), a dict keyed by user name.
  returned: when diff mode is on
  type: dict
  sample:
    before: {tags: [], password: <hidden>}
    after: {tags: [monitoring], password: <hidden>}
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._module import connection_argspec
from ansible_collections.homelab.llm_stack.plugins.module_utils._rabbitmq import (
    RabbitMQClient,
    RabbitMQModule,
    converge_user,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    tags=dict(type="list", elements="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def main():
    module = RabbitMQModule(ITEM_SPEC, "users", connection_argspec("http://127.0.0.1:15672", basic_auth=True))
    items = module.names_checked(("user name", "name"))
    client = RabbitMQClient(module.client("/api"))
    module.converge(lambda item: converge_user(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
