# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ollama_model_name: the short form Ollama reports for a model name (docs in ollama_model_name.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.llm_stack.plugins.module_utils._ollama import InvalidName, parse_name, shortest


def ollama_model_name(name, part="short"):
    """llama3 -> llama3:latest; part=full or key for the other forms."""
    try:
        parts = parse_name(name)
    except InvalidName as exc:
        raise AnsibleFilterError("ollama_model_name: %s" % exc)
    if part == "short":
        return shortest(parts)
    if part == "full":
        return "%(host)s/%(namespace)s/%(model)s:%(tag)s" % parts
    if part == "key":
        return ("%(host)s/%(namespace)s/%(model)s:%(tag)s" % parts).lower()
    raise AnsibleFilterError("ollama_model_name: part must be short, full or key, not %r" % (part,))


class FilterModule:
    def filters(self):
        return {"ollama_model_name": ollama_model_name}
