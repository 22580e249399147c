#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_permission
short_description: Manage a RabbitMQ user's permissions on a vhost over the management API
version_added: 0.1.0
description:
  - Grant, change or revoke the configure, write and read permissions of one user on one vhost
    through the management HTTP API.
  - Each (O(user), O(vhost)) pair is its own object and only the pairs you list are touched, so several roles
    can manage the access of the same user.
  - Converges one pair or many in one run over one HTTP session (O(permissions)).
author:
  - homelab.llm_stack contributors (!UNKNOWN)
options:
  user:
    description:
      - User name. Mutually exclusive with O(permissions).
    type: str
  vhost:
    description:
      - Vhost name.
    type: str
    default: /
  configure:
    description:
      - Regular expression of the resources (queues, exchanges) the user may declare and delete.
      - The default V(^$) matches nothing; V(.*) matches everything.
    type: str
    default: ^$
  write:
    description:
      - Regular expression of the resources the user may publish to (or bind to).
    type: str
    default: ^$
  read:
    description:
      - Regular expression of the resources the user may consume from (or bind from).
    type: str
    default: ^$
  state:
    description:
      - V(present) sets the permissions, V(absent) revokes all three on this vhost.
    type: str
    choices: [present, absent]
    default: present
  permissions:
    description:
      - Several (user, vhost) pairs, converged in one run. Each item takes the options above
        (O(permissions[].user) required). The same pair may appear only once.
      - Mutually exclusive with O(user).
    type: list
    elements: dict
    suboptions:
      user:
        description: User name.
        type: str
        required: true
      vhost:
        description: Vhost name.
        type: str
        default: /
      configure:
        description: Configure regex.
        type: str
        default: ^$
      write:
        description: Write regex.
        type: str
        default: ^$
      read:
        description: Read regex.
        type: str
        default: ^$
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
  idempotent:
    support: full
  action_group:
    membership: [homelab.llm_stack.rabbitmq]
notes:
  - The regular expressions are checked with Python's C(re) before any request. RabbitMQ uses Erlang's PCRE-based
    C(re); the syntax is nearly the same, so this catches typos such as unbalanced brackets, not every dialect difference.
  - The user and the vhost must exist; otherwise the module fails naming both (the API answers 400
    C(vhost_or_user_not_found)). In check mode that cannot be known in advance and the change is reported.
  - Topic permissions are not managed by this module.
seealso:
  - module: homelab.llm_stack.rabbitmq_user
  - module: homelab.llm_stack.rabbitmq_vhost
  - name: RabbitMQ access control
    description: How configure, write and read permissions apply.
    link: https://www.rabbitmq.com/docs/access-control
"""

EXAMPLES = r"""
- name: Let the n8n XMPP node use the XMPP_ queues of its vhost.
  homelab.llm_stack.rabbitmq_permission:
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    user: n8n-xmpp
    vhost: xmpp
    configure: ^XMPP_.*
    write: ^XMPP_.*
    read: ^XMPP_.*

- name: Several grants in one run.
  homelab.llm_stack.rabbitmq_permission:
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    permissions:
      - user: monitor
        vhost: /
        read: .*
      - user: leaver
        vhost: xmpp
        state: absent
"""

RETURN = r"""
changed:
  description: Whether any permission was (or, in check mode, would be) changed.
  returned: always
  type: bool
  sample: true
results:
  description: One entry per (vhost, user) pair, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(<vhost>/<user>).
      type: str
      sample: xmpp/n8n-xmpp
    changed:
      description: Whether this pair changed.
      type: bool
      sample: true
    action:
      description: What was done.
      type: str
      sample: create
      choices: [create, update, delete, none]
diff:
  description:
    - Before and after C(configure), C(write), C(read).
    - For O(user), the pair's state; for O(permissions), a dict keyed by C(<vhost>/<user>).
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after: {configure: ^XMPP_.*, write: ^XMPP_.*, read: ^XMPP_.*}
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._module import connection_argspec
from ansible_collections.homelab.llm_stack.plugins.module_utils._rabbitmq import (
    RabbitMQClient,
    RabbitMQModule,
    converge_permission,
    regex_problem,
)

ITEM_SPEC = dict(
    user=dict(type="str", required=True),
    vhost=dict(type="str", default="/"),
    configure=dict(type="str", default="^$"),
    write=dict(type="str", default="^$"),
    read=dict(type="str", default="^$"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


class PermissionModule(RabbitMQModule):
    def identity(self, item):
        return (item["vhost"], item["user"])


def main():
    module = PermissionModule(ITEM_SPEC, "permissions", connection_argspec("http://127.0.0.1:15672", basic_auth=True),
                              name_key="user")
    items = module.names_checked(("user name", "user"), ("vhost name", "vhost"))
    for item in items:
        for key in ("configure", "write", "read"):
            problem = regex_problem("%s/%s: %s" % (item["vhost"], item["user"], key), item[key])
            if problem:
                module.fail_json(msg=problem)
    client = RabbitMQClient(module.client("/api"))
    module.converge(lambda item: converge_permission(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
