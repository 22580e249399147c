# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Openfire's certificate for in-cluster clients (roles/openfire/tasks/ca.yml): the task's own openssl command
against a real Prosody (STARTTLS, self-signed certificate, standing in for Openfire on 5222), the task's own PEM
extraction on real `openssl s_client` answers (fixtures/), and the ConfigMap it renders. Certificates are parsed
back with OpenSSL (Python's ssl), not with the role's expression."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import ssl
import subprocess
import sys
import tempfile

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from harness.prosody import Prosody

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "manifests"))

from test_manifests import render  # noqa: E402  pylint: disable=wrong-import-position

TASKS = os.path.join(REPO, "roles", "openfire", "tasks", "ca.yml")


def fixture(name):
    with open(os.path.join(HERE, "fixtures", name)) as handle:
        return handle.read()


def task(module):
    """The (only) task of ca.yml that runs `module`."""
    with open(TASKS) as handle:
        found = [t for t in yaml.safe_load(handle) if module in t]
    assert len(found) == 1, "ca.yml has %d %s tasks" % (len(found), module)
    return found[0]


def template(expression, **variables):
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


def extract(stdout):
    """The role's PEM extraction applied to an openssl s_client answer."""
    return template(task("ansible.builtin.set_fact")["ansible.builtin.set_fact"]["openfire_ca_pem"],
                    openfire_ca_probe={"stdout": stdout})


def subjects(pem):
    """Subjects of the certificates in pem, in order, as OpenSSL parses them."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as handle:
        handle.write(pem)
        handle.flush()
        bundle = subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", handle.name], capture_output=True,
                                check=True).stdout
    printed = subprocess.run(["openssl", "pkcs7", "-print_certs", "-noout"], input=bundle, capture_output=True,
                             check=True).stdout.decode()
    return [line.split("=", 1)[1].strip() for line in printed.splitlines() if line.startswith("subject=")]


def test_starttls_answer_gives_the_self_signed_certificate():
    answer = fixture("s_client-starttls-prosody.txt")
    pem = extract(answer)
    assert subjects(pem) == ["CN = homelab.test"]
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n") and pem.endswith("-----END CERTIFICATE-----\n")
    # Exactly the certificate s_client printed, none of the text around it.
    assert pem.strip() in answer and "Verify return code" not in pem


def test_chain_answer_gives_every_certificate_leaf_first():
    pem = extract(fixture("s_client-chain.txt"))
    assert subjects(pem) == ["CN = homelab.test", "CN = Lab Test CA"]


def test_repeated_certificate_is_kept_once():
    # Older openssl prints the server certificate again after the chain.
    answer = fixture("s_client-starttls-prosody.txt")
    assert extract(answer + answer) == extract(answer)


def test_no_answer_gives_no_pem():
    assert extract("") == ""
    assert extract("CONNECTED(00000003)\nDidn't find STARTTLS in server response, trying anyway...\n") == ""


@pytest.fixture(scope="module")
def prosody():
    server = Prosody(base="/tmp/llm-stack-prosody-pytest-ca", c2s_port=25252, tls_port=25253).start({})
    yield server
    server.stop()


def test_task_command_reads_the_certificate_a_server_presents_over_starttls(prosody):
    endpoint = "%s:%d" % (prosody.host, prosody.c2s_port)
    command = template(task("ansible.builtin.shell")["ansible.builtin.shell"]["cmd"], openfire_ca_fetch_timeout=20,
                       openfire_xmpp_domain=prosody.domain, openfire_ca_endpoint=endpoint)
    assert "-starttls xmpp" in command and "</dev/null" in command
    answer = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, check=False).stdout
    pem = extract(answer)
    with open(prosody.ca_path) as handle:
        expected = handle.read()
    assert ssl.PEM_cert_to_DER_cert(pem) == ssl.PEM_cert_to_DER_cert(expected)


def test_configmap_renders_once_the_certificate_is_known():
    def configmaps(extra):
        documents = render("openfire", "role-defaults", extra)[0]
        return dict((d["metadata"]["name"], d) for unused, d in documents if d["kind"] == "ConfigMap")

    assert "openfire-ca" not in configmaps({})
    pem = extract(fixture("s_client-starttls-prosody.txt"))
    found = configmaps({"openfire_ca_pem": pem})["openfire-ca"]
    assert found["data"] == {"ca.crt": pem}
    assert found["metadata"]["labels"]["app.kubernetes.io/name"] == "openfire"
    assert "lab-ca" in configmaps({"openfire_ca_pem": pem, "openfire_ca_configmap": "lab-ca"})
