#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_policy
short_description: Manage RabbitMQ policies over the management API
version_added: 0.1.0
description:
  - Create, update or delete a policy of a vhost (pattern, what it applies to, definition, priority)
    through the management HTTP API.
  - Converges one policy (O(name)) or many in one run over one HTTP session (O(policies)).
author:
  - homelab.llm_stack contributors (!UNKNOWN)
options:
  name:
    description:
      - Policy name, unique within its vhost. At most 255 bytes. Mutually exclusive with O(policies).
    type: str
  vhost:
    description:
      - Vhost of the policy.
    type: str
    default: /
  pattern:
    description:
      - Regular expression of the queue or exchange names the policy applies to. Required with O(state=present).
    type: str
  apply_to:
    description:
      - Kind of objects the policy applies to. V(classic_queues), V(quorum_queues) and V(streams) need RabbitMQ 3.12 or later.
    type: str
    choices: [all, queues, exchanges, classic_queues, quorum_queues, streams]
    default: all
  definition:
    description:
      - Policy keys and values, for example C(dead-letter-exchange) or C(max-length).
        Required with O(state=present). The server rejects unknown keys with its reason.
      - Compared as a whole; keys not listed are removed from the policy.
    type: dict
  priority:
    description:
      - Among the policies matching an object, the one with the highest priority applies.
    type: int
    default: 0
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  policies:
    description:
      - Several policies, converged in one run. Each item takes the options above (O(policies[].name) required).
        The same (vhost, name) may appear only once.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: Policy name.
        type: str
        required: true
      vhost:
        description: Vhost of the policy.
        type: str
        default: /
      pattern:
        description: Name regex; required when present.
        type: str
      apply_to:
        description: Kind of objects the policy applies to.
        type: str
        choices: [all, queues, exchanges, classic_queues, quorum_queues, streams]
        default: all
      definition:
        description: Policy keys and values; required when present.
        type: dict
      priority:
        description: Priority.
        type: int
        default: 0
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
  - O(pattern) is checked with Python's C(re) before any request (a fair proxy for Erlang's PCRE-based C(re)).
  - RabbitMQ 4.0 removed classic mirrored queues; C(ha-*) keys are accepted there but have no effect.
seealso:
  - module: homelab.llm_stack.rabbitmq_vhost
  - name: RabbitMQ policies
    description: Policy keys and how priorities combine.
    link: https://www.rabbitmq.com/docs/policies
"""

EXAMPLES = r"""
- name: Dead-letter the replies of the n8n XMPP node into a kept queue.
  homelab.llm_stack.rabbitmq_policy:
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    vhost: xmpp
    name: xmpp-out-dead-letter
    pattern: ^XMPP_.*_OUT_
    apply_to: queues
    definition:
      dead-letter-exchange: ""
      dead-letter-routing-key: XMPP_DEAD_LETTER

- name: Several policies in one run.
  homelab.llm_stack.rabbitmq_policy:
    api_user: admin
    api_password: "{{ rabbitmq_admin_password }}"
    policies:
      - name: cap
        pattern: ^work\.
        definition: {max-length: 10000}
        priority: 1
      - name: old
        state: absent
"""

RETURN = r"""
changed:
  description: Whether any policy was (or, in check mode, would be) changed.
  returned: always
  type: bool
  sample: true
results:
  description: One entry per policy, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: C(<vhost>/<name>).
      type: str
      sample: xmpp/xmpp-out-dead-letter
    changed:
      description: Whether this policy changed.
      type: bool
      sample: true
    action:
      description: What was done.
      type: str
      sample: create
      choices: [create, update, delete, none]
diff:
  description:
    - Before and after C(pattern), C(apply_to), C(definition), C(priority).
    - For O(name), the policy's state; for O(policies), a dict keyed by C(<vhost>/<name>).
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after: {pattern: ^XMPP_.*_OUT_, apply_to: queues, definition: {dead-letter-exchange: ""}, priority: 0}
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._module import connection_argspec
from ansible_collections.homelab.llm_stack.plugins.module_utils._rabbitmq import (
    APPLY_TO,
    RabbitMQClient,
    RabbitMQModule,
    converge_policy,
    regex_problem,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    vhost=dict(type="str", default="/"),
    pattern=dict(type="str"),
    apply_to=dict(type="str", default="all", choices=list(APPLY_TO)),
    definition=dict(type="dict"),
    priority=dict(type="int", default=0),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
ITEM_CHECKS = dict(required_if=[("state", "present", ("pattern", "definition"))])


class PolicyModule(RabbitMQModule):
    def identity(self, item):
        return (item["vhost"], item["name"])


def main():
    module = PolicyModule(ITEM_SPEC, "policies", connection_argspec("http://127.0.0.1:15672", basic_auth=True),
                          item_checks=ITEM_CHECKS)
    items = module.names_checked(("policy name", "name"), ("vhost name", "vhost"))
    for item in items:
        problem = regex_problem("%s/%s: pattern" % (item["vhost"], item["name"]), item["pattern"])
        if problem:
            module.fail_json(msg=problem)
    client = RabbitMQClient(module.client("/api"))
    module.converge(lambda item: converge_policy(client, item, module.check_mode), items)


if __name__ == "__main__":
    main()
