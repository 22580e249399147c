# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fresh Ollama stand-in (tests/standins/ollama.py) per test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from standins.ollama import MB, OllamaStandin

CATALOGUE = {
    "llama3.2:3b": {"layers": [3 * MB, 1000], "family": "llama", "parameter_size": "3.2B"},
    "tinyllama:latest": {"layers": [2 * MB, 1000], "family": "llama", "parameter_size": "1B"},
    "f16base:latest": {"layers": [2 * MB], "quantization": "F16"},
    "mirror/custom:v1": {"layers": [1000]},
}


@pytest.fixture
def ollama():
    with OllamaStandin(catalogue=CATALOGUE) as server:
        yield server


@pytest.fixture
def ollama_run(run_module, ollama):
    """ollama_run(args, check=False, diff=False): run ollama_model against the stand-in."""
    def run(args, check=False, diff=False):
        return run_module("ollama_model", dict(args, api_url=ollama.url), check=check, diff=diff)
    return run
