# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The policy checks catch what they claim to catch."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from manifest_policy import check_documents

GOOD = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {"name": "svc", "namespace": "llm", "labels": {"app.kubernetes.io/name": "svc"}},
    "spec": {
        "serviceName": "svc",
        "selector": {"matchLabels": {"app.kubernetes.io/name": "svc"}},
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/name": "svc"}},
            "spec": {
                "securityContext": {"runAsNonRoot": True},
                "containers": [{
                    "name": "svc",
                    "image": "example/svc:1.2.3",
                    "env": [{"name": "ADMIN_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False},
                    "readinessProbe": {"tcpSocket": {"port": 1}},
                    "livenessProbe": {"tcpSocket": {"port": 1}},
                }],
            },
        },
        "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
    },
}
SECRETS = {"admin": "fake-secret-admin-0123456789"}


def findings(doc):
    return check_documents([("svc.yaml.j2", doc)], SECRETS, "llm")


def test_good_manifest_passes():
    assert findings(GOOD) == []


def test_each_policy_fails_when_broken():
    container = ("spec", "template", "spec", "containers", 0)

    def broken(path, key, value):
        doc = copy.deepcopy(GOOD)
        target = doc
        for part in path:
            target = target[part]
        if value is None:
            del target[key]
        else:
            target[key] = value
        return findings(doc)

    cases = [
        (container, "image", "example/svc:latest", "moving tag"),
        (container, "image", "example/svc", "no tag"),
        (container, "readinessProbe", None, "readinessProbe"),
        (container, "livenessProbe", None, "livenessProbe"),
        (container, "resources", {"requests": {"cpu": "1"}}, "memory"),
        (container, "securityContext", {"privileged": True}, "privileged"),
        (container, "env", [{"name": "ADMIN_PASSWORD", "value": "x"}], "looks secret"),
        (container, "env", [{"name": "X", "value": SECRETS["admin"]}], "inlined"),
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
