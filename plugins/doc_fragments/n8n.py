# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # How the n8n modules reach n8n; combine with homelab.llm_stack.connection.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of n8n, scheme and port included, without a path (for example V(http://n8n.llm-stack.svc:5678)).
      - The modules add C(/api/v1), the public API.
    type: str
    required: true
  api_key:
    description:
      - n8n API key, sent as the C(X-N8N-API-KEY) header. Never logged.
      - The role C(homelab.llm_stack.n8n) creates one at bootstrap (module M(homelab.llm_stack.n8n_bootstrap))
        and keeps it in the Secret C(n8n-api-key).
      - It needs the C(workflow:*), C(credential:*), C(tag:*) and C(workflowTags:*) scopes.
    type: str
    required: true
notes:
  - Written and tested against n8n 2.41.1.
"""
