#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_vhost
short_description: Manage RabbitMQ virtual hosts over the management API
version_added: 0.1.0
description:
  - Create, update or delete RabbitMQ virtual hosts (description, tags, default queue type, tracing)
    through the management HTTP API.
  - Every update sends the vhost's whole metadata, so changing one setting (for example O(tracing)) never
    resets the description or the tags.
  - Converges one vhost (O(name)) or many in one run over one HTTP session (O(vhosts)).
author:
  - homelab.llm_stack contributors (!UNKNOWN)
options:
  name:
    description:
      - Name of the vhost (C(/) is the default vhost). At most 255 bytes.
      - Mutually exclusive with O(vhosts).
    type: str
  state:
    description:
      - V(present) creates or updates the vhost, V(absent) deletes it with everything in it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Free-text description. Unset keeps the current one (empty for a new vhost); V("") clears it.
    type: str
  tags:
    description:
      - Vhost tags. Order and duplicates do not matter. Unset keeps the current tags; V([]) clears them.
    type: list
    elements: str
  default_queue_type:
    description:
      - Type of queues declared in this vhost without C(x-queue-type). Unset keeps the current type.
      - RabbitMQ before 4.0 fixes it when the vhost is created; asking to change it then fails with an explanation.
    type: str
    choices: [classic, quorum, stream]
  tracing:
    description:
      - Enable the firehose tracer on the vhost. Unset keeps the current setting (off for a new vhost).
    type: bool
  vhosts:
    description:
      - Several vhosts, converged in one run. Each item takes the options above (O(vhosts[].name) required).
      - Mutually exclusive with O(name); the per-vhost options must then be set inside each item.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the vhost.
        type: str
        required: true
      state:
        description: V(present) or V(absent).
        type: str
        choices: [present, absent]
        default: present
      description:
        description: Free-text description; unset keeps the current one.
        type: str
      tags:
        description: Vhost tags; unset keeps the current ones.
        type: list
        elements: str
      default_queue_type:
        description: Default queue type; unset keeps the current one.
        type: str
        choices: [classic, quorum, stream]
      tracing:
        description: Firehose tracing; unset keeps the current setting.
        type: bool
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
  - RabbitMQ 3.10 reads the default queue type from C(defaultqueuetype), 4.x from C(default_queue_type); the module sends both.
  - A vhost created over HTTP grants the acting user (O(api_user)) full permissions on it; manage other users'
    access with M(homelab.llm_stack.rabbitmq_permission).
  - On 3.10 a vhost created without a default queue type reports V(classic).
seealso:
  - module: homelab.llm_stack.rabbitmq_permission
  - module: homelab.llm_stack.rabbitmq_policy
  - name: RabbitMQ virtual hosts
    description: What a vhost holds and how its metadata works.
    link: https://www.rabbitmq.com/docs/vhosts
"""

EXAMPLES = r"""
- name: Create the vhost of the XMPP bridge.
  homelab.llm_stack.rabbitmq_vhost:
    api_url: http://10.43.0.15:15672
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    name: xmpp
    description: Queues of the n8n XMPP node
    tags: [xmpp]
    default_queue_type: classic

- name: Converge many vhosts in one run (connection options from module_defaults).
  module_defaults:
    group/homelab.llm_stack.rabbitmq:
      api_url: http://10.43.0.15:15672
      api_user: admin
      api_password: "{{ rabbitmq_admin_password }}"
  homelab.llm_stack.rabbitmq_vhost:
    vhosts:
      - name: team-a
        tracing: true
      - name: old
        state: absent

- name: Remove a vhost.
  homelab.llm_stack.rabbitmq_vhost:
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    name: scratch
    state: absent
"""

RETURN = r"""
changed:
  description: Whether any vhost was (or, in check mode, would be) changed.
  returned: always
  type: bool
  sample: true
results:
  description: One entry per vhost, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Vhost name.
      type: str
      sample: xmpp
    changed:
      description: Whether this vhost changed.
      type: bool
      sample: true
    action:
      description: What was done.
      type: str
      sample: create
      choices: [create, update, delete, none]
diff:
  description:
    - Before and after state (C(description), C(tags), C(default_queue_type), C(tracing)).
    - For O(name), the vhost's state; for O(vhosts), a dict keyed by vhost name. A missing vhost is C({}) / absent.
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after: {description: Queues of the n8n XMPP node, tags: [xmpp], default_queue_type: classic, tracing: false}
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._module import connection_argspec
from ansible_collections.homelab.llm_stack.plugins.module_utils._rabbitmq import (
    QUEUE_TYPES,
    RabbitMQClient,
    RabbitMQModule,
    converge_vhost,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    description=dict(type="str"),
    tags=dict(type="list", elements="str"),
    default_queue_type=dict(type="str", choices=list(QUEUE_TYPES)),
    tracing=dict(type="bool"),
)


def main():
    module = RabbitMQModule(ITEM_SPEC, "vhosts", connection_argspec("http://127.0.0.1:15672", basic_auth=True))
    items = module.names_checked(("vhost name", "name"))
    client = RabbitMQClient(module.client("/api"))
    module.converge(lambda item: converge_vhost(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
