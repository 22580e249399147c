# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An inventory for the deploy phase on the test cluster (tests/harness/kubernetes.py), and ansible-playbook runs
on it, as a user runs them.

The inventory's one K3s server is the test node: a local connection whose Python runs inside the cluster's
network namespace (llm_stack_api_python), so the deploy tasks reach the API server, the Services' ClusterIPs and
Openfire's STARTTLS port as they do on a K3s server. The roles' image variables point at the stand-in images;
llm_stack_artifacts_dir holds what the controller would download (the REST API plugin jar, the n8n-nodes-xmpp
tarball: here the stand-in node, packed as npm packs it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import io
import os
import re
import subprocess
import sys
import tarfile
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STANDIN_NODE = os.path.join(REPO, "tests", "n8n", "standin_xmpp_node")
NODE_TARBALL = "n8n-nodes-xmpp-standin.tgz"
RESTAPI_JAR = "restAPI-1.12.0.jar"
# One ansible-playbook run: exit code, output, {host: changed count} from the recap, seconds.
Run = collections.namedtuple("Run", "rc output changed seconds")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def pack_node(source, dest):
    """npm pack's layout (package/...) with fixed metadata, so the tarball (and n8n's pod annotation) is stable."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.USTAR_FORMAT) as archive:
        for root, dirs, files in os.walk(source):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                info = archive.gettarinfo(path, "package/" + os.path.relpath(path, source))
                info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "", "", 0o644
                with open(path, "rb") as handle:
                    archive.addfile(info, handle)
    with open(dest, "wb") as handle:
        handle.write(buffer.getvalue())


class DeployLab:
    """A scratch inventory in `folder` for the cluster `cluster` (a started harness Cluster)."""

    def __init__(self, cluster, folder):
        self.cluster = cluster
        self.folder = folder
        self.inventory = os.path.join(folder, "inventory")
        self.artifacts = os.path.join(folder, "artifacts")
        self.namespace = "llm-stack"

    def write(self, **extra_vars):
        os.makedirs(os.path.join(self.inventory, "group_vars", "all"), exist_ok=True)
        write_artifacts(self.artifacts)
        images = self.cluster.images
        hosts = {"all": {"children": {
            "k3s_servers": {"hosts": {"testnode": {
                "ansible_connection": "local",
                "ansible_python_interpreter": self.cluster.interpreter,
                "llm_stack_api_python": self.cluster.interpreter}}},
            "k3s_agents": {"hosts": {}}}}}
        settings = {
            "llm_stack_kubeconfig": self.cluster.kubeconfig,
            "llm_stack_artifacts_dir": self.artifacts,
            "llm_stack_ready_timeout": 240,
            "k3s_server_kubeconfig_file": os.path.join(self.folder, "kubeconfig-copy"),
            "rabbitmq_image": images["rabbitmq"],
            "openfire_image": images["openfire"],
            "xmppweb_image": images["xmppweb"],
            "ollama_image": images["ollama"].rsplit(":", 1)[0],
            "ollama_version": images["ollama"].rsplit(":", 1)[1],
            "ollama_gpu": "false",
            # The node has 2 CPUs: the stand-in needs none of Ollama's default request (1 CPU), and the growth
            # test runs a second RabbitMQ beside this lab.
            "ollama_cpu_request": "100m",
            "n8n_image": images["n8n"],
            "n8n_nodes_installer_image": images["n8n-nodes-installer"],
            "n8n_xmpp_node_tarball": NODE_TARBALL,
        }
        settings.update(extra_vars)
        with open(os.path.join(self.inventory, "hosts.yml"), "w") as handle:
            yaml.safe_dump(hosts, handle)
        with open(os.path.join(self.inventory, "group_vars", "all", "lab.yml"), "w") as handle:
            yaml.safe_dump(settings, handle)
        return self

    def playbook(self, name, *args, timeout=1200):
        """Run playbooks/<name> (or the playbook at an absolute path) with `args`; return a Run."""
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", self.inventory,
                   os.path.join(REPO, "playbooks", name)] + list(args)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"),
                   ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
                   ANSIBLE_NOCOLOR="1")
        started = time.time()
        result = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, timeout=timeout, check=False)
        changed = dict((match[0], int(match[2])) for match in RECAP.findall(result.stdout))
        return Run(result.returncode, result.stdout, changed, round(time.time() - started, 1))

    # -- reading the cluster -------------------------------------------------

    def get(self, *args):
        return self.cluster.get_json("-n", self.namespace, *args)

    def pods(self):
        """{pod name: (uid, restart count)} of the stack's pods (those being deleted left out)."""
        return dict((pod["metadata"]["name"], (pod["metadata"]["uid"], sum(
            status.get("restartCount", 0) for status in pod["status"].get("containerStatuses", []))))
            for pod in self.get("pods")["items"] if not pod["metadata"].get("deletionTimestamp"))

    def workloads(self):
        """{kind/name: (generation, resourceVersion)} of the Deployments and StatefulSets."""
        items = self.get("deployments,statefulsets")["items"]
        return dict(("%s/%s" % (item["kind"], item["metadata"]["name"]),
                     (item["metadata"]["generation"], item["metadata"]["resourceVersion"])) for item in items)

    def describe_failure(self, output):
        return "%s\n--- pods:\n%s" % (output[-6000:], self.cluster.kubectl(
            "-n", self.namespace, "get", "pods,pvc", "-o", "wide", check=False).stdout)


def write_artifacts(folder):
    """What the controller would download, for an inventory whose llm_stack_artifacts_dir is `folder`."""
    os.makedirs(folder, exist_ok=True)
    pack_node(STANDIN_NODE, os.path.join(folder, NODE_TARBALL))
    # Openfire's init container checks and installs the jar; the stand-in image does not load it.
    with open(os.path.join(folder, RESTAPI_JAR), "wb") as handle:
        handle.write(b"PK\x05\x06" + b"\0" * 18)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "artifacts":
        sys.exit("usage: %s artifacts FOLDER" % sys.argv[0])
    write_artifacts(sys.argv[2])
