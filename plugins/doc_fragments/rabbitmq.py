# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # RabbitMQ management API: the api_url default and the credentials.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the RabbitMQ management plugin (without C(/api)), scheme and port included.
      - In the stack, the ClusterIP of the C(rabbitmq-management) Service on port 15672.
    type: str
    default: http://127.0.0.1:15672
    required: false
  api_user:
    description:
      - Management user with the C(administrator) tag (HTTP basic authentication).
      - C(guest) only works from loopback; the stack creates its own admin user instead.
  api_password:
    description:
      - Password of O(api_user). Never logged.
notes:
  - Supports RabbitMQ 3.10 to 4.x (management plugin enabled).
  - Use C(group/homelab.llm_stack.rabbitmq) in C(module_defaults) to set the connection options of all RabbitMQ modules once.
"""
