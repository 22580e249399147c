# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every service role's deploy tasks find their own manifest templates through the stack role's `apply`.

include_role vars are lazy: a `{{ role_path }}` written by the caller is evaluated inside the stack role.
These tests run the real role task files through ansible-playbook, without a cluster:
- the rabbitmq role with the real kubernetes.core against a kubeconfig whose server refuses connections:
  every manifest is rendered and the failure is the connection, not a missing template;
- every caller (stack cluster, rabbitmq, openfire with its CA step, xmppweb, ollama with and without its
  Ingress, n8n, gpu_cluster) with kubernetes.core replaced by stand-in modules that record what they are given:
  each applies exactly the objects its own templates render, and no apply is empty.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "manifests"))

from test_manifests import render  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: {server: "https://127.0.0.1:9"}
contexts:
  - name: nowhere
    context: {cluster: nowhere, user: nobody}
current-context: nowhere
users:
  - name: nobody
    user: {token: nothing}
"""

# Stand-ins for the kubernetes.core modules the deploy tasks call: they record their arguments (and the
# caller, from the environment of the include_role task) and answer like an empty cluster, except that the
# TLS Secrets exist (no certificate generation) and Services have a ClusterIP.
STANDIN = '''#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.module_utils.basic import AnsibleModule

MODULE = %r
PARAMS = ("kubeconfig", "state", "apply", "server_side_apply", "definition", "wait", "wait_timeout", "kind",
          "name", "namespace", "api_version", "label_selectors")


def main():
    module = AnsibleModule(dict((p, dict(type="raw")) for p in PARAMS), supports_check_mode=True)
    with open(os.environ["STANDIN_K8S_LOG"], "a") as log:
        log.write(json.dumps({"module": MODULE, "caller": os.environ.get("STANDIN_K8S_CALLER", ""),
                              "params": module.params}) + "\\n")
    kind = module.params["kind"]
    if MODULE == "k8s_info":
        resources = []
        if kind == "Secret":
            resources = [{"metadata": {"name": module.params["name"]}}]
        elif kind == "Service":
            resources = [{"metadata": {"name": module.params["name"]}, "spec": {"clusterIP": "127.0.0.1"}}]
        module.exit_json(changed=False, resources=resources)
    if MODULE == "k8s_cluster_info":
        module.exit_json(changed=False, version={"server": {"kubernetes": {"gitVersion": "v1.36.3+k3s1"}}})
    module.exit_json(changed=False, result={})


if __name__ == "__main__":
    main()
'''

# Stands in for `openssl s_client` in openfire's tasks/ca.yml: Openfire "presents" one certificate.
OPENSSL = """#!/bin/sh
echo CONNECTED
echo -----BEGIN CERTIFICATE-----
echo MIIBstandin
echo -----END CERTIFICATE-----
"""

# (caller, role, include_role arguments, vars)
CALLERS = [
    ("stack", "stack", {"tasks_from": "cluster"}, {}),
    ("rabbitmq", "rabbitmq", {}, {}),
    ("openfire", "openfire", {}, {}),
    ("xmppweb", "xmppweb", {}, {}),
    ("ollama", "ollama", {}, {"ollama_expose": False}),
    ("ollama-exposed", "ollama", {}, {"ollama_expose": True}),
    ("n8n", "n8n", {}, {}),
    ("gpu_cluster", "gpu_cluster", {}, {"gpu_cluster_extra_hosts": ["localhost"], "gpu_cluster_check": False}),
]


def ansible_playbook(tmp_path, play, collections, extra_env=None):
    (tmp_path / "hosts.yml").write_text(
        "all:\n  children:\n    k3s_servers:\n      hosts:\n        localhost:\n          ansible_connection: local\n"
        "          ansible_python_interpreter: %s\n"
        "          k3s_server_node_registered_name: lab-node\n" % sys.executable)
    (tmp_path / "play.yml").write_text(json.dumps(play, indent=2))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), LLM_STACK_CACHE=str(tmp_path / "cache"))
    env.update(extra_env or {})
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), str(tmp_path / "play.yml")]
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO, check=False)


def fake_secrets():
    return render("stack", "role-defaults", {})[1]


def test_rabbitmq_reaches_for_the_server_with_its_own_templates(tmp_path):
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    play = [{"hosts": "localhost", "gather_facts": False,
             "vars": {"llm_stack_kubeconfig": str(tmp_path / "kubeconfig"), "llm_stack_secrets": fake_secrets()},
             "tasks": [{"name": "Deploy RabbitMQ.", "ansible.builtin.include_role": {"name": "homelab.llm_stack.rabbitmq"}}]}]
    result = ansible_playbook(tmp_path, play, os.path.join(REPO, "collections"))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "could not be found" not in output and "Could not find" not in output, output
    # The Secret's item is no_log; the other two show why they failed: the server, after rendering.
    for template in ("services.yaml.j2", "statefulset.yaml.j2"):
        assert "(item=%s)" % template in output, output
    assert output.count("Connection refused") >= 2, output


@pytest.fixture
def standin_collections(tmp_path):
    modules = tmp_path / "standins" / "ansible_collections" / "kubernetes" / "core" / "plugins" / "modules"
    modules.mkdir(parents=True)
    for name in ("k8s", "k8s_info", "k8s_cluster_info"):
        (modules / (name + ".py")).write_text(STANDIN % name)
    (modules.parent.parent / "meta").mkdir()
    (modules.parent.parent / "meta" / "runtime.yml").write_text("requires_ansible: '>=2.15'\n")
    return "%s:%s" % (tmp_path / "standins", os.path.join(REPO, "collections"))


def expected_objects(role, extra):
    documents = render(role, "role-defaults", extra)[0]
    return sorted(set((doc["kind"], doc["metadata"]["name"]) for name, doc in documents
                      if name != "cuda-test-pod.yaml.j2"))


def test_every_caller_applies_its_own_templates(tmp_path, standin_collections):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "openssl").write_text(OPENSSL)
    (bindir / "openssl").chmod(0o755)
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    jar = b"PK\x03\x04 a stand-in for restAPI.jar"
    version = render("openfire", "role-defaults", {})[2]["openfire_restapi_version"]
    (artifacts / ("restAPI-%s.jar" % version)).write_bytes(jar)
    log = tmp_path / "k8s.jsonl"
    tasks = []
    for caller, role, arguments, variables in CALLERS:
        task = {"name": "Deploy as %s." % caller,
                "ansible.builtin.include_role": dict({"name": "homelab.llm_stack.%s" % role}, **arguments)}
        if variables:
            task["vars"] = variables
        tasks.append({"block": [task], "environment": {"STANDIN_K8S_CALLER": caller}})
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": tasks, "vars": {
        "llm_stack_kubeconfig": str(tmp_path / "kubeconfig"),
        "llm_stack_secrets": fake_secrets(),
        "llm_stack_artifacts_dir": str(artifacts),
        "openfire_restapi_checksum": "sha256:" + hashlib.sha256(jar).hexdigest(),
    }}]
    result = ansible_playbook(tmp_path, play, standin_collections, {
        "STANDIN_K8S_LOG": str(log), "PATH": "%s:%s" % (bindir, os.environ["PATH"])})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output

    calls = [json.loads(line) for line in log.read_text().splitlines()]
    applied = {}
    for call in calls:
        params = call["params"]
        if call["module"] == "k8s" and params.get("apply"):
            assert params["definition"], "%s applied a template that renders no object" % call["caller"]
            applied.setdefault(call["caller"], set()).update(
                (doc["kind"], doc["metadata"]["name"]) for doc in params["definition"])
    for caller, role, unused_arguments, variables in CALLERS:
        extra = dict(variables, openfire_restapi_jar_b64="UEsDBA==", openfire_ca_pem="pem", ollama_use_gpu=False)
        assert sorted(applied.get(caller, ())) == expected_objects(role, extra), (caller, output)
