# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy phase (playbooks/deploy.yml, as a user runs it) on a real Kubernetes API server and kubelet:
every service applied and ready, the ClusterIP lookups and Openfire's CA step through real Services, a quiet
re-run, server-side refusals reported with the server's reason, storage-size changes, verify's workload checks,
and reset.yml. The tests run in this file's order on one cluster."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import sys
import time

import yaml

SERVICES = ("Deployment/n8n", "Deployment/ollama", "Deployment/xmppweb", "StatefulSet/openfire",
            "StatefulSet/rabbitmq")


def ready(lab):
    out = {}
    for item in lab.get("deployments,statefulsets")["items"]:
        out["%s/%s" % (item["kind"], item["metadata"]["name"])] = item["status"].get("readyReplicas", 0)
    return out


def test_first_deploy_brings_every_service_up(deployed, lab):
    assert dict((name, count) for name, count in ready(lab).items() if name in SERVICES) == dict(
        (name, 1) for name in SERVICES), lab.describe_failure(deployed.output)
    # Openfire's CA step fetched the stand-in's certificate over STARTTLS through the Service's ClusterIP.
    ca = lab.get("configmap", "openfire-ca")["data"]["ca.crt"]
    assert ca.startswith("-----BEGIN CERTIFICATE-----")
    # n8n was deployed after it and trusts exactly that certificate (its pod annotation is the CA's checksum).
    n8n = lab.get("deployment", "n8n")
    assert n8n["spec"]["template"]["metadata"]["annotations"]["llm-stack/xmpp-ca"] == hashlib.sha1(
        ca.encode()).hexdigest()
    # The n8n stand-in is ready only once the init container installed n8n-nodes-xmpp from the tarball.
    logs = lab.cluster.kubectl("-n", lab.namespace, "logs", "deployment/n8n", "-c", "install-nodes")
    assert "+ n8n-nodes-xmpp@0.0.0-standin" in logs, logs
    # Openfire's init container installed the REST API plugin it was handed, checked against the checksum the
    # play pinned on first use (pins.yml in the inventory).
    with open(os.path.join(lab.inventory, "pins.yml")) as handle:
        pinned = yaml.safe_load(handle)["openfire_restapi_1_12_0_sha256"]
    openfire = lab.get("statefulset", "openfire")["spec"]["template"]
    assert openfire["metadata"]["annotations"]["llm-stack/restapi-sha256"] == pinned
    assert "installed restAPI.jar" in lab.cluster.kubectl("-n", lab.namespace, "logs", "openfire-0", "-c", "seed")
    # Every Secret is written as data: server-side apply keeps it as it is.
    for secret in lab.get("secrets")["items"]:
        assert "stringData" not in secret
    # Every PVC is bound by the default StorageClass (local-path, as on K3s).
    claims = lab.get("pvc")["items"]
    assert sorted(claim["metadata"]["name"] for claim in claims) == [
        "data-openfire-0", "data-rabbitmq-0", "n8n-data", "ollama-models"]
    assert all(claim["status"]["phase"] == "Bound" for claim in claims)


def test_second_deploy_changes_nothing_and_restarts_nothing(deployed, lab):
    pods, workloads = lab.pods(), lab.workloads()
    run = lab.playbook("deploy.yml")
    assert run.rc == 0, lab.describe_failure(run.output)
    sys.stderr.write("\n[deploy] second run %.1f s, changed %s\n" % (run.seconds, run.changed))
    assert run.changed == {"testnode": 0}, run.output[-4000:]
    assert lab.pods() == pods
    assert lab.workloads() == workloads


def test_verify_workload_checks_pass(deployed, lab):
    run = lab.playbook("verify.yml", "--tags", "workloads")
    assert run.rc == 0, run.output[-4000:]
    assert "Wait until every Deployment and StatefulSet is ready" in run.output


def test_n8n_restart_rolls_the_pod_and_waits_for_its_api(deployed, lab):
    before = [name for name in lab.pods() if name.startswith("n8n-")]
    run = lab.playbook(os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks", "n8n_restart.yml"))
    assert run.rc == 0, lab.describe_failure(run.output)
    assert "Wait until n8n's API answers again." in run.output
    after = [name for name in lab.pods() if name.startswith("n8n-")]
    assert len(after) == 1 and after != before
    assert lab.get("deployment", "n8n")["status"].get("readyReplicas") == 1


def test_unknown_image_fails_with_the_reason_and_keeps_the_running_pod(deployed, lab):
    before = lab.pods()
    running = [name for name in before if name.startswith("xmppweb-")]
    run = lab.playbook("deploy.yml", "-e", "xmppweb_image=llm-stack-test/no-such-image:1",
                       "-e", "llm_stack_ready_timeout=60")
    assert run.rc != 0
    assert "ErrImagePull" in run.output or "ImagePullBackOff" in run.output, run.output[-4000:]
    assert "llm-stack-test/no-such-image:1" in run.output
    after = lab.pods()
    assert all(after.get(name) == before[name] for name in running), (before, after)
    # The next deploy with the right image brings the Deployment back to its old revision (the stuck pod goes).
    run = lab.playbook("deploy.yml")
    assert run.rc == 0, lab.describe_failure(run.output)
    deadline = time.time() + 60
    while [name for name in lab.pods() if name.startswith("xmppweb-")] != running and time.time() < deadline:
        time.sleep(1)
    assert [name for name in lab.pods() if name.startswith("xmppweb-")] == running


def test_port_out_of_range_is_refused_by_the_server_and_changes_nothing(deployed, lab):
    workloads = lab.workloads()
    run = lab.playbook("deploy.yml", "-e", "ollama_port=70000")
    assert run.rc != 0
    assert "70000" in run.output and "between 1 and 65535" in run.output, run.output[-4000:]
    assert lab.workloads() == workloads


def test_bad_storage_quantity_is_refused_by_the_server(deployed, lab):
    claims = lab.get("pvc", "n8n-data")
    run = lab.playbook("deploy.yml", "-e", "n8n_storage_size='5 gigs'")
    assert run.rc != 0
    assert "quantities must match the regular expression" in run.output, run.output[-4000:]
    assert lab.get("pvc", "n8n-data")["spec"] == claims["spec"]


def test_storage_shrink_and_unexpandable_growth_stop_before_any_change(deployed, lab):
    workloads, pods = lab.workloads(), lab.pods()
    for size in ("512Mi", "64Gi"):
        run = lab.playbook("deploy.yml", "-e", "rabbitmq_storage_size=" + size)
        assert run.rc != 0
        assert "rabbitmq" in run.output and "data-rabbitmq-0" in run.output, run.output[-4000:]
        expected = "cannot shrink" if size == "512Mi" else "does not allow volume expansion"
        assert expected in run.output, run.output[-4000:]
        assert lab.workloads() == workloads and lab.pods() == pods


def test_storage_growth_expands_the_claims_and_keeps_the_pods(deployed, lab):
    # A StorageClass that allows expansion, as a user would set it: a fresh lab in a namespace of its own.
    expandable = type(lab)(lab.cluster, os.path.join(lab.folder, "expand"))
    expandable.namespace = "llm-stack-expand"
    expandable.write(llm_stack_namespace=expandable.namespace, llm_stack_storage_class="local-path-expandable")
    run = expandable.playbook("deploy.yml", "--tags", "rabbitmq")
    assert run.rc == 0, expandable.describe_failure(run.output)
    pods = expandable.pods()
    marker = expandable.cluster.kubectl("-n", expandable.namespace, "exec", "rabbitmq-0", "--", "cat",
                                        "/var/lib/rabbitmq/mnesia/standin-boots")
    run = expandable.playbook("deploy.yml", "--tags", "rabbitmq", "-e", "rabbitmq_storage_size=16Gi")
    assert run.rc == 0, expandable.describe_failure(run.output)
    claim = expandable.get("pvc", "data-rabbitmq-0")
    assert claim["spec"]["resources"]["requests"]["storage"] == "16Gi"
    statefulset = expandable.get("statefulset", "rabbitmq")
    assert statefulset["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "16Gi"
    assert expandable.pods() == pods
    assert expandable.cluster.kubectl("-n", expandable.namespace, "exec", "rabbitmq-0", "--", "cat",
                                      "/var/lib/rabbitmq/mnesia/standin-boots") == marker
    run = expandable.playbook("deploy.yml", "--tags", "rabbitmq", "-e", "rabbitmq_storage_size=16Gi")
    assert run.rc == 0 and run.changed["testnode"] == 0, run.output[-4000:]
    expandable.cluster.kubectl("delete", "namespace", expandable.namespace, "--wait=false")


def test_reset_removes_the_stack_and_keeps_its_data_and_secrets(deployed, lab):
    volumes = dict((pvc["metadata"]["name"], pvc["spec"]["volumeName"]) for pvc in lab.get("pvc")["items"])
    run = lab.playbook("reset.yml")
    assert run.rc == 0, run.output[-4000:]
    namespaces = [item["metadata"]["name"] for item in lab.cluster.get_json("namespaces")["items"]]
    assert lab.namespace not in namespaces
    kept = dict((pv["metadata"]["name"], pv) for pv in lab.cluster.get_json("pv")["items"])
    for claim, volume in volumes.items():
        assert kept[volume]["spec"]["persistentVolumeReclaimPolicy"] == "Retain", claim
        assert os.path.isdir(kept[volume]["spec"]["hostPath"]["path"]), claim
    marker = [kept[volumes["data-rabbitmq-0"]]["spec"]["hostPath"]["path"], "standin-boots"]
    assert os.path.isfile(os.path.join(*marker))
    with open(os.path.join(lab.inventory, "secrets.yml")) as handle:
        assert yaml.safe_load(handle)
