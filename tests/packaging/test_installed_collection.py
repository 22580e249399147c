# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection also works once built and installed with ansible-galaxy, away from the clone:
every module documents itself with ansible-doc, and the playbooks resolve by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO, "plugins", "modules", "*.py")))


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, check=True, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the collection tarball and install it into an empty collections path."""
    work = tmp_path_factory.mktemp("galaxy")
    target = work / "collections"
    # Only the empty target on the collection path: the clone itself (collections/ symlink) must not count
    # as "already installed".
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(target))
    env.pop("ANSIBLE_CONFIG", None)
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", REPO, "--output-path", str(work)],
        cwd=str(work), env=env)
    version = yaml.safe_load(open(os.path.join(REPO, "galaxy.yml")))["version"]
    tarball = work / ("homelab-llm_stack-%s.tar.gz" % version)
    assert tarball.exists()
    # --no-deps: the dependencies come with the `ansible` package in this venv, not from Galaxy.
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(target), str(tarball)],
        cwd=str(work), env=env)
    return dict(path=target / "ansible_collections" / "homelab" / "llm_stack", env=env, cwd=str(work))


def test_tarball_holds_no_local_state(installed):
    root = installed["path"]
    for unwanted in ("collections", ".venv", "tests/output", "inventories/local/secrets.yml"):
        assert not (root / unwanted).exists(), unwanted
    assert (root / "roles" / "rabbitmq" / "templates" / "manifests").is_dir()


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc(installed, module):
    result = run([os.path.join(BIN, "ansible-doc"), "--json", "homelab.llm_stack." + module],
                 env=installed["env"], cwd=installed["cwd"])
    doc = list(yaml.safe_load(result.stdout).values())[0]["doc"]
    assert doc["short_description"] and doc["options"] is not None and doc.get("author")


def test_playbooks_resolve_by_name(installed):
    inventory = os.path.join(REPO, "inventories", "example")
    for playbook in ("site", "configure", "reset"):
        run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, "--syntax-check",
             "homelab.llm_stack." + playbook], env=installed["env"], cwd=installed["cwd"])
