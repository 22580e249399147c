# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack's own manifest policies, beyond the Kubernetes schemas.

check_documents(documents, secrets, namespace) returns a list of findings
(empty when every policy holds):
- images pinned to a tag other than latest (or a digest);
- long-running containers have readiness and liveness (or startup) probes;
- every container, init containers included, has resource requests and limits (memory) and a CPU request;
- pods set a securityContext; containers forbid privilege escalation and are not privileged;
- state lives on PVCs: a StatefulSet has volumeClaimTemplates or PVC volumes, and every PVC a
  workload mounts is defined; hostPath only in DaemonSets (node agents);
- secrets only from Secrets: no known secret value outside a Secret, and env vars that look like
  secrets use valueFrom;
- namespaced objects sit in the stack's namespace (node-level add-ons may use kube-system);
- Services select pods some workload runs; Ingress backends name Services defined here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")
CLUSTER_SCOPED = ("Namespace", "RuntimeClass", "ClusterRole", "ClusterRoleBinding", "StorageClass",
                  "PriorityClass", "CustomResourceDefinition", "IngressClass")
SECRET_ENV = re.compile(r"(PASS(WORD)?|SECRET|TOKEN|COOKIE|ENCRYPTION_KEY|API_KEY)(_|$)")
SYSTEM_NAMESPACES = ("kube-system",)


def pod_spec(doc):
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def pod_labels(doc):
    if doc.get("kind") == "Pod":
        return doc.get("metadata", {}).get("labels") or {}
    return (doc.get("spec") or {}).get("template", {}).get("metadata", {}).get("labels") or {}


def image_problem(image):
    if "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return "has no tag"
    if name.rsplit(":", 1)[1] in ("latest", "stable", "main", "master", "edge"):
        return "uses a moving tag"
    return None


def check_workload(where, doc, defined_claims):
    findings = []
    kind = doc["kind"]
    spec = pod_spec(doc)
    if not spec.get("securityContext"):
        findings.append("%s: pod has no securityContext" % where)
    containers = spec.get("containers") or []
    every = [("container", c) for c in containers] + [("initContainer", c) for c in spec.get("initContainers") or []]
    for role, container in every:
        here = "%s %s %s" % (where, role, container.get("name"))
        problem = image_problem(container.get("image", ""))
        if problem:
            findings.append("%s: image %s %s" % (here, container.get("image"), problem))
        resources = container.get("resources") or {}
        if not (resources.get("requests") or {}).get("memory") or not (resources.get("limits") or {}).get("memory"):
            findings.append("%s: needs memory requests and limits" % here)
        if not (resources.get("requests") or {}).get("cpu"):
            findings.append("%s: needs a CPU request" % here)
        context = container.get("securityContext") or {}
        if context.get("allowPrivilegeEscalation") is not False:
            findings.append("%s: set securityContext.allowPrivilegeEscalation: false" % here)
        if context.get("privileged"):
            findings.append("%s: must not be privileged" % here)
        if role == "container" and kind in LONG_RUNNING:
            if not container.get("readinessProbe"):
                findings.append("%s: has no readinessProbe" % here)
            if not (container.get("livenessProbe") or container.get("startupProbe")):
                findings.append("%s: has no livenessProbe/startupProbe" % here)
    volumes = spec.get("volumes") or []
    claims = [v["persistentVolumeClaim"]["claimName"] for v in volumes if v.get("persistentVolumeClaim")]
    templates = (doc.get("spec") or {}).get("volumeClaimTemplates") or [] if kind == "StatefulSet" else []
    for claim in claims:
        if claim not in defined_claims:
            findings.append("%s: mounts PVC %s that no manifest defines" % (where, claim))
    if kind == "StatefulSet" and not (claims or templates):
        findings.append("%s: a StatefulSet keeps its state on a PVC (volumeClaimTemplates)" % where)
    if kind == "Deployment" and claims and (doc["spec"].get("strategy") or {}).get("type") != "Recreate":
        findings.append("%s: a Deployment with a PVC needs strategy Recreate (one writer)" % where)
    if kind != "DaemonSet":
        for volume in volumes:
            if volume.get("hostPath"):
                findings.append("%s: hostPath volume %s (state belongs on a PVC)" % (where, volume.get("name")))
    for container in containers + (spec.get("initContainers") or []):
        for env in container.get("env") or []:
            if SECRET_ENV.search(env["name"]) and "value" in env and not env["name"].endswith("_FILE"):
                findings.append("%s container %s: env %s looks secret; take it from a Secret (valueFrom)"
                                % (where, container.get("name"), env["name"]))
    return findings


def check_documents(documents, secrets, namespace):
    findings = []
    docs = [doc for unused_name, doc in documents]
    claims = set(d["metadata"]["name"] for d in docs if d.get("kind") == "PersistentVolumeClaim")
    services = dict((d["metadata"]["name"], d) for d in docs if d.get("kind") == "Service")
    workloads = [d for d in docs if d.get("kind") in WORKLOADS]
    for name, doc in documents:
        kind = doc.get("kind")
        meta = doc.get("metadata") or {}
        where = "%s %s/%s" % (name, kind, meta.get("name"))
        if kind not in CLUSTER_SCOPED:
            if meta.get("namespace") not in (namespace,) + SYSTEM_NAMESPACES:
                findings.append("%s: namespace %r, expected %r" % (where, meta.get("namespace"), namespace))
        if not (meta.get("labels") or {}).get("app.kubernetes.io/name") and kind != "Namespace":
            findings.append("%s: needs the label app.kubernetes.io/name" % where)
        if kind != "Secret":
            text = json.dumps(doc)
            for secret_name, value in secrets.items():
                if value in text:
                    findings.append("%s: secret %s is inlined; reference a Secret instead" % (where, secret_name))
        if kind in WORKLOADS:
            findings.extend(check_workload(where, doc, claims))
        if kind == "Service":
            selector = (doc.get("spec") or {}).get("selector") or {}
            if selector and not any(all(pod_labels(w).get(k) == v for k, v in selector.items()) for w in workloads):
                findings.append("%s: selector %s matches no pod defined here" % (where, selector))
        if kind == "Ingress":
            for rule in (doc.get("spec") or {}).get("rules") or []:
                for path in (rule.get("http") or {}).get("paths") or []:
                    backend = (path.get("backend") or {}).get("service") or {}
                    if backend.get("name") not in services:
                        findings.append("%s: backend Service %s is not defined" % (where, backend.get("name")))
    return findings
