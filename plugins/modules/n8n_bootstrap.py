#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: n8n_bootstrap
short_description: Set up a fresh n8n headlessly (owner account, API key for the other n8n modules)
version_added: 0.1.0
description:
  - On a fresh instance creates the owner account (C(POST /rest/owner/setup)); afterwards logs in as the owner.
  - Returns an API key for M(homelab.llm_stack.n8n_credential) and M(homelab.llm_stack.n8n_workflow).
    A key passed in O(api_key) that still works is returned as it is (no new key on re-runs); otherwise the key
    labelled O(api_key_label) is replaced by a new one, since n8n shows a raw key only once.
  - Uses n8n's internal REST API (C(/rest)), which the public API cannot do; the test harness uses the same code.
options:
  api_url:
    description:
      - Base URL of n8n, scheme and port included, without a path.
    type: str
    required: true
  owner_email:
    description:
      - E-mail (login) of the instance owner.
    type: str
    required: true
  owner_password:
    description:
      - Password of the owner; set at creation, used to log in afterwards. Never logged.
      - n8n requires 8 to 64 characters with at least one digit and one capital letter.
    type: str
    required: true
  owner_first_name:
    description:
      - Owner's first name, used at creation.
    type: str
    default: Home
  owner_last_name:
    description:
      - Owner's last name, used at creation.
    type: str
    default: Lab
  api_key:
    description:
      - A key created earlier (for example read from a Secret). Kept when the public API still accepts it.
      - Never logged.
    type: str
  api_key_label:
    description:
      - Label of the key in n8n (unique per user; the old key with this label is deleted when a new one is made).
    type: str
    default: ansible
extends_documentation_fragment:
  - homelab.llm_stack.connection
  - homelab.llm_stack.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode no owner or key is created and RV(api_key) is null.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - Idempotent when the returned key is passed back in O(api_key) on the next run.
notes:
  - Run the task with C(no_log) - the result holds the raw key.
seealso:
  - module: homelab.llm_stack.n8n_credential
  - module: homelab.llm_stack.n8n_workflow
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Make sure n8n has its owner and an API key.
  homelab.llm_stack.n8n_bootstrap:
    api_url: http://n8n.llm-stack.svc:5678
    owner_email: admin@homelab.lan
    owner_password: "{{ llm_stack_secrets.n8n_owner_password }}"
    api_key: "{{ stored_key | default(omit) }}"
  register: n8n_boot
  no_log: true
"""

RETURN = r"""
api_key:
  description:
    - The new API key when one was created (RV(key_created)); null when the given O(api_key) still works
      (keep using that one) and in check mode.
  returned: success
  type: str
  sample: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.example
owner_created:
  description: Whether the owner account was (or would be) created.
  returned: success
  type: bool
key_created:
  description: Whether a new API key was (or would be) created.
  returned: success
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import (
    ApiClient,
    ApiError,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import connection_argspec
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import bootstrap


def main():
    spec = connection_argspec(
        owner_email=dict(type="str", required=True),
        owner_password=dict(type="str", required=True, no_log=True),
        owner_first_name=dict(type="str", default="Home"),
        owner_last_name=dict(type="str", default="Lab"),
        api_key=dict(type="str", no_log=True),
        api_key_label=dict(type="str", default="ansible", no_log=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params
    rest = ApiClient(params["api_url"], validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                     timeout=params["timeout"])
    owner = dict(email=params["owner_email"], password=params["owner_password"],
                 firstName=params["owner_first_name"], lastName=params["owner_last_name"])
    try:
        result = bootstrap(rest, owner, api_key=params["api_key"], label=params["api_key_label"],
                           check_mode=module.check_mode)
    except ApiError as exc:
        module.fail_json(msg="n8n bootstrap failed: %s" % exc, **exc.to_result())
    # A reused key is the no_log api_key parameter, which Ansible would mask in the result anyway.
    if not result["key_created"]:
        result["api_key"] = None
    module.exit_json(changed=result["owner_created"] or result["key_created"], **result)


if __name__ == "__main__":
    main()
