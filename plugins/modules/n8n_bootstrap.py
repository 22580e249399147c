#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: n8n_bootstrap
short_description: Log in to n8n as its owner and keep an API key for the other n8n modules
version_added: 0.1.0
description:
  - Logs in as the instance owner (C(POST /rest/login)). The owner is not created here - n8n must start with it
    declared (C(N8N_INSTANCE_OWNER_MANAGED_BY_ENV=true), C(N8N_INSTANCE_OWNER_EMAIL),
    C(N8N_INSTANCE_OWNER_PASSWORD_HASH)), as the role C(homelab.llm_stack.n8n) does, so nobody can claim the
    owner account of a fresh instance before this module runs. An instance that still shows its owner-setup page
    is an error.
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
      - Password of the owner (the one whose bcrypt hash n8n was started with). Never logged.
    type: str
    required: true
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
      - In check mode no key is created and RV(api_key) is null.
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
- name: Make sure there is a working API key.
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
from ansible_collections.homelab.llm_stack.plugins.module_utils._n8n import N8nError, bootstrap


def main():
    spec = connection_argspec(
        owner_email=dict(type="str", required=True),
        owner_password=dict(type="str", required=True, no_log=True),
        api_key=dict(type="str", no_log=True),
        api_key_label=dict(type="str", default="ansible", no_log=False),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
    params = module.params
    rest = ApiClient(params["api_url"], validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                     timeout=params["timeout"])
    try:
        result = bootstrap(rest, params["owner_email"], params["owner_password"], api_key=params["api_key"],
                           label=params["api_key_label"], check_mode=module.check_mode)
    except ApiError as exc:
        module.fail_json(msg="n8n bootstrap failed: %s" % exc, **exc.to_result())
    except N8nError as exc:
        module.fail_json(msg="n8n bootstrap failed: %s" % exc)
    # A reused key is the no_log api_key parameter, which Ansible would mask in the result anyway.
    if not result["key_created"]:
        result["api_key"] = None
    module.exit_json(changed=result["key_created"], **result)


if __name__ == "__main__":
    main()
