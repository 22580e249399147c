# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Options every API module takes. A service fragment (e.g. homelab.llm_stack.rabbitmq)
    # documents api_url with that service's default and base path.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the service's HTTP API, scheme and port included.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the server's TLS certificate when O(api_url) is C(https://).
      - Set to V(false) only for a lab certificate you cannot add with O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the server's certificate (for a self-signed lab CA).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request (connect and read).
      - Failed connections and 5xx answers to idempotent requests are retried up to 3 times with backoff.
    type: int
    default: 30
notes:
  - Needs the Python library C(requests) on the host that runs the module.
requirements:
  - requests
"""

    BASIC_AUTH = r"""
options:
  api_user:
    description:
      - User for HTTP basic authentication.
    type: str
  api_password:
    description:
      - Password of O(api_user). Never logged.
    type: str
"""

    API_KEY = r"""
options:
  api_key:
    description:
      - API key sent with every request. Never logged.
    type: str
"""
