# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # api_url of the Ollama modules: the server's address, no base path, no authentication.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the Ollama server (no path), e.g. the ClusterIP of the C(ollama) Service.
      - Ollama has no authentication; the API should stay on the cluster network.
    type: str
    default: http://127.0.0.1:11434
    required: false
"""
