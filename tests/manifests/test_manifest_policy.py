# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The policy checks catch what they claim to catch."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from manifest_policy import check_documents, label_value_problem, qualified_name_problem

GOOD = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {"name": "svc", "namespace": "llm", "labels": {"app.kubernetes.io/name": "svc"},
                 "annotations": {"description": "any value", "llm-stack/restapi-sha256": "0" * 64}},
    "spec": {
        "serviceName": "svc",
        "selector": {"matchLabels": {"app.kubernetes.io/name": "svc"}},
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/name": "svc"}, "annotations": {"llm-stack/owner": "x"}},
            "spec": {
                "securityContext": {"runAsNonRoot": True},
                "containers": [{
                    "name": "svc",
                    "image": "example/svc:1.2.3",
                    "env": [{"name": "ADMIN_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False},
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "readinessProbe": {"tcpSocket": {"port": 1}},
                    "livenessProbe": {"tcpSocket": {"port": 1}},
                }],
            },
        },
        "volumeClaimTemplates": [{
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "creationTimestamp": None},
            "spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem",
                     "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Pending"}}],
    },
}
SECRETS = {"admin": "fake-secret-admin-0123456789"}


def findings(doc):
    return check_documents([("svc.yaml.j2", doc)], SECRETS, "llm")


CONTAINER = ("spec", "template", "spec", "containers", 0)


def broken(path, key, value):
    """The findings for GOOD with `key` under `path` set to `value` (None: removed)."""
    doc = copy.deepcopy(GOOD)
    target = doc
    for part in path:
        target = target[part]
    if value is None:
        del target[key]
    else:
        target[key] = value
    return findings(doc)


def test_good_manifest_passes():
    assert findings(GOOD) == []


def test_each_policy_fails_when_broken():

    cases = [
        (CONTAINER, "image", "example/svc:latest", "moving tag"),
        (CONTAINER, "image", "example/svc", "no tag"),
        (CONTAINER, "readinessProbe", None, "readinessProbe"),
        (CONTAINER, "livenessProbe", None, "livenessProbe"),
        (CONTAINER, "resources", {"requests": {"cpu": "1"}}, "memory"),
        (CONTAINER, "securityContext", {"privileged": True}, "privileged"),
        (CONTAINER, "env", [{"name": "ADMIN_PASSWORD", "value": "x"}], "looks secret"),
        (CONTAINER, "env", [{"name": "X", "value": SECRETS["admin"]}], "inlined"),
        (("spec", "template", "spec"), "securityContext", None, "securityContext"),
        (("spec",), "volumeClaimTemplates", None, "PVC"),
        (("metadata",), "namespace", "default", "namespace"),
        (("spec", "template", "spec"), "volumes", [{"name": "d", "hostPath": {"path": "/x"}}], "hostPath"),
    ]
    for path, key, value, expected in cases:
        found = broken(path, key, value)
        assert any(expected in f for f in found), (key, value, found)


def test_service_and_ingress_references():
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "web", "namespace": "llm", "labels": {"app.kubernetes.io/name": "web"}},
               "spec": {"selector": {"app.kubernetes.io/name": "nothing"}, "ports": [{"port": 80}]}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "web", "namespace": "llm", "labels": {"app.kubernetes.io/name": "web"}},
               "spec": {"rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                       "backend": {"service": {"name": "missing"}}}]}}]}}
    found = check_documents([("a", service), ("b", ingress), ("c", GOOD)], SECRETS, "llm")
    assert any("matches no pod" in f for f in found)
    assert any("missing is not defined" in f for f in found)


def test_qualified_names_and_label_values():
    for key in ("app", "app.kubernetes.io/name", "llm-stack/restapi-sha256", "a_b.c-d", "x/" + "n" * 63,
                "a" * 63 + "." + "b" * 63 + "/name", "nvidia.com/gpu.present"):
        assert qualified_name_problem(key) is None, key
    for key in ("homelab.llm_stack/restapi-sha256", "Upper.case/name", "/name", "prefix/", "-name", "name-",
                "n" * 64, "a/b/c", "a..b/name", ("a" * 63 + ".") * 4 + "com/name", "spa ce", ""):
        assert qualified_name_problem(key), key
    for value in ("", "true", "1.2.3", "llm-stack", "a_b", "v" * 63):
        assert label_value_problem(value) is None, value
    for value in ("-x", "x-", "v" * 64, "a/b", "with space", True, 1):
        assert label_value_problem(value), value


def test_names_ports_and_secret_data_policies():

    cases = [
        (("metadata",), "annotations", {"homelab.llm_stack/restapi-sha256": "x"}, "annotation key"),
        (("spec", "template", "metadata"), "annotations", {"homelab.llm_stack/restapi-sha256": "x"},
         "in template.metadata"),
        (("metadata",), "labels", {"app.kubernetes.io/name": "svc", "Bad_Prefix.io/x": "y"}, "label key"),
        (("metadata",), "labels", {"app.kubernetes.io/name": "svc", "part-of": "-llm"}, "not a label value"),
        (("spec", "template", "metadata"), "labels", {"app.kubernetes.io/name": "svc", "x": "y" * 64},
         "not a label value"),
        (("spec", "volumeClaimTemplates", 0, "metadata"), "labels", {"llm_stack/x": "y"}, "volumeClaimTemplates"),
        (("spec", "template", "spec"), "nodeSelector", {"gpu present": "true"}, "nodeSelector"),
        (CONTAINER, "ports", [{"name": "http", "containerPort": 8080}], "has no protocol"),
        (("spec", "template", "spec"), "initContainers", [dict(GOOD["spec"]["template"]["spec"]["containers"][0],
                                                               name="init", ports=[{"containerPort": 1}])],
         "has no protocol"),
        ((), "stringData", {"a": "b"}, "stringData"),
    ]
    for path, key, value, expected in cases:
        found = broken(path, key, value)
        assert any(expected in f for f in found), (key, value, found)


def test_service_ports_name_their_protocol_and_secrets_use_data():
    def service(ports):
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "llm", "labels": {"app.kubernetes.io/name": "web"}},
                "spec": {"selector": {"app.kubernetes.io/name": "svc"}, "ports": ports}}

    def secret(**content):
        return dict({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                     "metadata": {"name": "s", "namespace": "llm", "labels": {"app.kubernetes.io/name": "svc"}}},
                    **content)

    good = [("a", service([{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}])),
            ("b", secret(data={"k": "dmFsdWU="})), ("c", GOOD)]
    assert check_documents(good, SECRETS, "llm") == []
    found = check_documents([("a", service([{"name": "http", "port": 80, "targetPort": "http"}])), ("c", GOOD)],
                            SECRETS, "llm")
    assert any("Service port http has no protocol" in f for f in found), found
    found = check_documents([("b", secret(stringData={"k": "value"})), ("c", GOOD)], SECRETS, "llm")
    assert any("stringData" in f for f in found), found
    assert check_documents([("a", service([{"port": 80, "protocol": "UDP"}])), ("c", GOOD)], SECRETS, "llm") == []


def test_claim_templates_are_written_as_stored():
    for missing in ("apiVersion", "status"):
        found = broken(("spec", "volumeClaimTemplates", 0), missing, None)
        assert any("claim template data: write it as the server stores it" in f for f in found), found
