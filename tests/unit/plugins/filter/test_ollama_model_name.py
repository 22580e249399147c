# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ollama_model_name filter: the normalisation table of ollama-api.md section 2."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.llm_stack.plugins.filter.ollama_model_name import FilterModule

FILTER = FilterModule().filters()["ollama_model_name"]


@pytest.mark.parametrize("name", ["llama3", "llama3:latest", "library/llama3:latest",
                                  "registry.ollama.ai/library/llama3:latest"])
def test_one_model_one_short_name(name):
    assert FILTER(name) == "llama3:latest"
    assert FILTER(name, "full") == "registry.ollama.ai/library/llama3:latest"
    assert FILTER(name, part="key") == "registry.ollama.ai/library/llama3:latest"


@pytest.mark.parametrize("name,short", [
    ("hf.co/org/repo:Q4", "hf.co/org/repo:Q4"),
    ("me/model", "me/model:latest"),
    ("Qwen2.5:1.5B", "Qwen2.5:1.5B"),
])
def test_other_names_keep_what_matters(name, short):
    assert FILTER(name) == short


def test_key_ignores_case():
    assert FILTER("Library/LLAMA3", "key") == FILTER("llama3", "key")


@pytest.mark.parametrize("name", ["bad name", "ns.x/model", "llama3:", "a/b/c/d"])
def test_bad_names_fail(name):
    with pytest.raises(AnsibleFilterError) as caught:
        FILTER(name)
    assert "not a valid Ollama model name" in str(caught.value)


def test_unknown_part_fails():
    with pytest.raises(AnsibleFilterError):
        FILTER("llama3", "long")
