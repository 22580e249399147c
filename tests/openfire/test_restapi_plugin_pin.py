# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openfire role's plugin download through ansible-playbook (a file:// URL stands in for the release):
pinned on first use in the inventory, verified on every later run, refused when it differs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: homelab.llm_stack.openfire
        tasks_from: restapi_plugin.yml
"""


@pytest.fixture
def lab(tmp_path):
    inventory = tmp_path / "inv"
    inventory.mkdir()
    (inventory / "hosts.yml").write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        "      ansible_python_interpreter: %s\n" % sys.executable)
    (tmp_path / "play.yml").write_text(PLAY)
    release = tmp_path / "restAPI.jar"
    release.write_bytes(b"PK\x03\x04 a stand-in for restAPI.jar " * 100)
    return dict(inventory=inventory, play=tmp_path / "play.yml", release=release, cache=tmp_path / "cache")


def play(lab, *extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"), ANSIBLE_NOCOLOR="1",
               LLM_STACK_CACHE=str(lab["cache"]))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(lab["inventory"]),
               str(lab["play"]), "-e", "openfire_restapi_url=file://%s" % lab["release"]] + list(extra)
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO, check=False)


def test_pinned_on_first_use_then_verified(lab):
    expected = hashlib.sha256(lab["release"].read_bytes()).hexdigest()
    first = play(lab)
    assert first.returncode == 0, first.stdout + first.stderr
    pins = yaml.safe_load((lab["inventory"] / "pins.yml").read_text())
    assert pins == {"openfire_restapi_1_12_0_sha256": expected}
    assert "had no pinned checksum" in first.stdout and expected in first.stdout
    second = play(lab)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "had no pinned checksum" not in second.stdout
    # A different file behind the same URL and version is refused, not re-pinned.
    cached = lab["cache"] / "openfire" / "restAPI-1.12.0.jar"
    cached.unlink()
    lab["release"].write_bytes(b"something else")
    third = play(lab)
    assert third.returncode != 0
    assert "checksum" in third.stdout.lower() and expected in third.stdout
    assert yaml.safe_load((lab["inventory"] / "pins.yml").read_text()) == pins


def test_explicit_checksum_wins(lab):
    wrong = "0" * 64
    result = play(lab, "-e", "openfire_restapi_checksum=%s" % wrong)
    assert result.returncode != 0
    assert not (lab["inventory"] / "pins.yml").exists()
    right = hashlib.sha256(lab["release"].read_bytes()).hexdigest()
    result = play(lab, "-e", "openfire_restapi_checksum=sha256:%s" % right.upper())
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (lab["inventory"] / "pins.yml").exists()
