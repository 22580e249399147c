# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secrets role, run through ansible-playbook on a scratch inventory:
generated once (0600), never rotated, never printed, vault-encrypted files read as they are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles:
    - role: homelab.llm_stack.secrets
  tasks:
    - name: Show how many secrets were loaded (never their values).
      ansible.builtin.debug:
        msg: "loaded={{ llm_stack_secrets | length }}"
"""


@pytest.fixture
def inventory(tmp_path):
    inv = tmp_path / "inv"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "hosts.yml").write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        "      ansible_python_interpreter: %s\n" % sys.executable)
    (inv / "group_vars" / "all" / "xmpp.yml").write_text("xmpp_users:\n  - name: bot\n  - name: alice\n")
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    return inv


def play(inventory, *extra, **kwargs):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    cmd = [os.path.join(BIN, "ansible-playbook"), "-v", "-i", str(inventory),
           str(inventory.parent / "play.yml")] + list(extra)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=kwargs.get("check", True), cwd=REPO)


def secrets_of(inventory):
    return yaml.safe_load((inventory / "secrets.yml").read_text())


def test_generated_once_private_and_never_printed(inventory):
    first = play(inventory)
    path = inventory / "secrets.yml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = secrets_of(inventory)
    assert {"k3s_token", "rabbitmq_admin_password", "xmpp_password_bot", "xmpp_password_alice"} <= set(values)
    for value in values.values():
        assert len(value) == 32 and value.isalnum()
        assert any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value)
    assert len(set(values.values())) == len(values), "every secret is distinct"
    second = play(inventory)
    assert secrets_of(inventory) == values, "a re-run must not rotate anything"
    assert "changed=0" in second.stdout
    for output in (first.stdout + first.stderr, second.stdout + second.stderr):
        assert "loaded=%d" % len(values) in output
        for value in values.values():
            assert value not in output


def test_new_names_are_added_without_touching_the_rest(inventory):
    play(inventory)
    before = secrets_of(inventory)
    (inventory / "group_vars" / "all" / "xmpp.yml").write_text("xmpp_users:\n  - name: bot\n  - name: alice\n  - name: carol\n")
    play(inventory)
    after = secrets_of(inventory)
    assert set(after) - set(before) == {"xmpp_password_carol"}
    assert dict((k, after[k]) for k in before) == before


def test_check_mode_writes_nothing(inventory):
    play(inventory, "--check")
    assert not (inventory / "secrets.yml").exists()


def test_vault_encrypted_file(inventory, tmp_path):
    play(inventory)
    values = secrets_of(inventory)
    password = tmp_path / "vault-pass"
    password.write_text("lab-vault-password\n")
    env = dict(os.environ)
    subprocess.run([os.path.join(BIN, "ansible-vault"), "encrypt", "--vault-password-file", str(password),
                    str(inventory / "secrets.yml")], check=True, env=env, capture_output=True)
    encrypted = (inventory / "secrets.yml").read_text()
    assert encrypted.startswith("$ANSIBLE_VAULT")
    complete = play(inventory, "--vault-password-file", str(password))
    assert "loaded=%d" % len(values) in complete.stdout
    assert (inventory / "secrets.yml").read_text() == encrypted
    (inventory / "group_vars" / "all" / "xmpp.yml").write_text("xmpp_users:\n  - name: dave\n")
    incomplete = play(inventory, "--vault-password-file", str(password), check=False)
    assert incomplete.returncode != 0
    assert "vault-encrypted and lacks xmpp_password_dave" in incomplete.stdout
    assert (inventory / "secrets.yml").read_text() == encrypted
