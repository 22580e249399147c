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
- Services select pods some workload runs; Ingress backends name Services defined here;
- label and annotation keys (of every object, pod template and claim template) are qualified names, and label
  values (selectors included) are valid label values: what the API server refuses, the schemas let through;
- Secrets carry `data` (base64), never `stringData`: a server-side apply rewrites a stringData Secret every run;
- every Service port and container port names its protocol (server-side apply before 1.21 refuses one without);
- a StatefulSet's volumeClaimTemplates are written as the API server stores them (apiVersion, kind,
  creationTimestamp null, volumeMode, status phase Pending): the list is atomic, so less is a change on every apply.
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
# Qualified names (label and annotation keys) and label values, as the API server checks them.
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def qualified_name_problem(key):
    """Why `key` is not a valid label/annotation key ([prefix/]name), or None."""
    if not isinstance(key, str):
        return "is not a string"
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix or len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix):
            return "has a prefix %r that is not a DNS subdomain (lowercase letters, digits, '-' and '.')" % prefix
    if not name or len(name) > 63 or not NAME_PART.match(name):
        return "has a name part %r that is not 1-63 letters, digits, '-', '_' or '.' (alphanumeric at both ends)" % name
    return None


def label_value_problem(value):
    if not isinstance(value, str):
        return "is not a string"
    if len(value) > 63 or not LABEL_VALUE.match(value):
        return "is not a label value (at most 63 letters, digits, '-', '_' or '.', alphanumeric at both ends)"
    return None


def metadata_blocks(doc):
    """(where, metadata) of the object, its pod template(s) and its claim templates."""
    spec = doc.get("spec") or {}
    blocks = [("metadata", doc.get("metadata") or {})]
    if doc.get("kind") == "CronJob":
        job = spec.get("jobTemplate") or {}
        blocks.append(("jobTemplate.metadata", job.get("metadata") or {}))
        spec = job.get("spec") or {}
    if isinstance(spec.get("template"), dict):
        blocks.append(("template.metadata", spec["template"].get("metadata") or {}))
    for claim in spec.get("volumeClaimTemplates") or []:
        blocks.append(("volumeClaimTemplates.metadata", claim.get("metadata") or {}))
    return blocks


def label_maps(doc):
    """(where, {key: value}) of every map of labels: metadata labels, selectors, node selectors."""
    found = [("%s.labels" % where, meta.get("labels") or {}) for where, meta in metadata_blocks(doc)]
    spec = doc.get("spec") or {}
    selector = spec.get("selector")
    if isinstance(selector, dict):
        if doc.get("kind") == "Service":
            found.append(("spec.selector", selector))
        else:
            found.append(("spec.selector.matchLabels", selector.get("matchLabels") or {}))
    found.append(("nodeSelector", pod_spec(doc).get("nodeSelector") or {}))
    return found


def check_names(where, doc):
    findings = []
    for block, meta in metadata_blocks(doc):
        for key in meta.get("annotations") or {}:
            problem = qualified_name_problem(key)
            if problem:
                findings.append("%s: annotation key %r in %s %s" % (where, key, block, problem))
    for block, labels in label_maps(doc):
        for key, value in labels.items():
            problem = qualified_name_problem(key)
            if problem:
                findings.append("%s: label key %r in %s %s" % (where, key, block, problem))
            problem = label_value_problem(value)
            if problem:
                findings.append("%s: label %s=%r in %s %s" % (where, key, value, block, problem))
    return findings


def check_ports(where, doc):
    findings = []
    if doc.get("kind") == "Service":
        for port in (doc.get("spec") or {}).get("ports") or []:
            if not port.get("protocol"):
                findings.append("%s: Service port %s has no protocol (write protocol: TCP)" % (where, port.get("name") or port.get("port")))
    spec = pod_spec(doc)
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for port in container.get("ports") or []:
            if not port.get("protocol"):
                findings.append("%s container %s: containerPort %s has no protocol (write protocol: TCP)"
                                % (where, container.get("name"), port.get("name") or port.get("containerPort")))
    return findings


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


CLAIM_TEMPLATE_AS_STORED = {"apiVersion": "v1", "kind": "PersistentVolumeClaim"}


def check_claim_templates(where, doc):
    findings = []
    for template in (doc.get("spec") or {}).get("volumeClaimTemplates") or []:
        here = "%s claim template %s" % (where, (template.get("metadata") or {}).get("name"))
        stored = (all(template.get(key) == value for key, value in CLAIM_TEMPLATE_AS_STORED.items())
                  and "creationTimestamp" in (template.get("metadata") or {})
                  and (template.get("metadata") or {})["creationTimestamp"] is None
                  and (template.get("spec") or {}).get("volumeMode") == "Filesystem"
                  and template.get("status") == {"phase": "Pending"})
        if not stored:
            findings.append("%s: write it as the server stores it (apiVersion v1, kind PersistentVolumeClaim, "
                            "metadata.creationTimestamp null, spec.volumeMode Filesystem, status.phase Pending), "
                            "or every apply changes the StatefulSet" % here)
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
        findings.extend(check_names(where, doc))
        findings.extend(check_ports(where, doc))
        if kind == "StatefulSet":
            findings.extend(check_claim_templates(where, doc))
        if "stringData" in doc:
            findings.append("%s: stringData is rewritten by every server-side apply; write data (| b64encode)" % where)
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
