# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When the configure tasks restart n8n (roles/n8n/tasks/configure.yml): after the XMPP credential was rewritten,
never on a run that changed nothing. The include's own `when` is evaluated on n8n_credential results of the shape
the module returns; molecule/n8n cannot reach it (its n8n is not a Deployment)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGURE = os.path.join(REPO, "roles", "n8n", "tasks", "configure.yml")
XMPP = "XMPP bot"


def restart_block():
    """The configure task that includes restart.yml (the restart itself runs on the test cluster:
    tests/cluster/test_deploy.py)."""
    with open(CONFIGURE) as handle:
        tasks = yaml.safe_load(handle)
    found = [t for t in tasks if t.get("ansible.builtin.include_tasks") == "restart.yml"]
    assert len(found) == 1
    return found[0]


def restarts(results, api_url=""):
    variables = {"n8n_api_url": api_url, "n8n_xmpp_credential_name": XMPP}
    if results is not None:
        variables["n8n_credentials"] = {"results": results}
    templar = Templar(loader=DataLoader(), variables=variables)
    return all(templar.evaluate_conditional(trust_as_template(c)) for c in restart_block()["when"])


def result(name, action):
    return {"name": name, "changed": action != "none", "action": action}


def test_rewritten_xmpp_credential_restarts():
    assert restarts([result("Ollama (k3s)", "none"), result(XMPP, "update"), result("RabbitMQ", "none")])


def test_no_restart_without_a_rewritten_xmpp_credential():
    assert not restarts([result("Ollama (k3s)", "none"), result(XMPP, "none"), result("RabbitMQ", "none")])
    assert not restarts([result(XMPP, "create")])  # a new credential has no stuck client yet
    assert not restarts([result("Ollama (k3s)", "update"), result(XMPP, "none")])
    assert not restarts(None)  # credentials skipped (check mode on a fresh n8n)


def test_no_restart_of_an_n8n_elsewhere():
    assert not restarts([result(XMPP, "update")], api_url="http://127.0.0.1:5678")
