# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the n8n manifests must wire together beyond schema and policy (tests/manifests checks those): Openfire's
CA from the Openfire role's ConfigMap, restarts only when the CA or the owner's password changes, and the owner
declared from the Secret."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "manifests"))

from test_manifests import render  # noqa: E402  pylint: disable=wrong-import-position

PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


def objects(role, extra=None):
    documents = render(role, "inventory-local", extra or {})[0]
    return dict(((d["kind"], d["metadata"]["name"]), d) for unused, d in documents)


def pod(extra=None):
    return objects("n8n", extra)[("Deployment", "n8n")]["spec"]["template"]


def env(template):
    return dict((e["name"], e) for e in template["spec"]["containers"][0]["env"])


def test_openfire_ca_configmap_reaches_node():
    published = objects("openfire", {"openfire_ca_pem": PEM})[("ConfigMap", "openfire-ca")]
    template = pod({"n8n_xmpp_ca_pem": published["data"]["ca.crt"]})
    spec = template["spec"]
    volume = [v for v in spec["volumes"] if v["name"] == "xmpp-ca"]
    assert volume == [{"name": "xmpp-ca", "configMap": {"name": published["metadata"]["name"], "optional": True}}]
    mount = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "xmpp-ca"][0]
    key = list(published["data"])[0]
    assert env(template)["NODE_EXTRA_CA_CERTS"]["value"] == mount["mountPath"] + "/" + key


def test_ca_checksum_changes_with_the_ca_only():
    before = pod()["metadata"]["annotations"]["llm-stack/xmpp-ca"]
    assert before == hashlib.sha1(b"").hexdigest()  # ConfigMap not read (yet): n8n restarts once it appears
    with_ca = pod({"n8n_xmpp_ca_pem": PEM})["metadata"]["annotations"]
    assert with_ca["llm-stack/xmpp-ca"] == hashlib.sha1(PEM.encode()).hexdigest()
    assert pod({"n8n_xmpp_ca_pem": PEM})["metadata"]["annotations"] == with_ca
    other = pod({"n8n_xmpp_ca_pem": PEM.replace("fake", "other")})["metadata"]["annotations"]
    assert other["llm-stack/xmpp-ca"] != with_ca["llm-stack/xmpp-ca"]
    assert dict(other, **{"llm-stack/xmpp-ca": None}) == dict(with_ca, **{"llm-stack/xmpp-ca": None})


def test_no_ca_configmap_means_no_extra_ca():
    template = pod({"n8n_xmpp_ca_configmap": ""})
    assert "NODE_EXTRA_CA_CERTS" not in env(template)
    assert "xmpp-ca" not in [v["name"] for v in template["spec"]["volumes"]]
    assert "llm-stack/xmpp-ca" not in template["metadata"]["annotations"]


def test_owner_is_declared_from_the_secret():
    found = objects("n8n")
    secret = dict((key, base64.b64decode(value).decode()) for key, value in found[("Secret", "n8n-secrets")]["data"].items())
    template = pod()
    variables = env(template)
    assert variables["N8N_INSTANCE_OWNER_MANAGED_BY_ENV"]["value"] == "true"
    assert variables["N8N_INSTANCE_OWNER_EMAIL"]["value"] == "admin@homelab.lan"
    ref = variables["N8N_INSTANCE_OWNER_PASSWORD_HASH"]["valueFrom"]["secretKeyRef"]
    assert ref["name"] == "n8n-secrets" and secret[ref["key"]].startswith("$2b$10$")
    # A new password (so a new hash) restarts the pod, which applies the owner at start.
    annotation = template["metadata"]["annotations"]["llm-stack/owner"]
    assert annotation == hashlib.sha1(secret[ref["key"]].encode()).hexdigest()
    assert pod()["metadata"]["annotations"]["llm-stack/owner"] == annotation
    other = pod({"n8n_owner_password_hash": "$2b$10$" + "a" * 53})["metadata"]["annotations"]["llm-stack/owner"]
    assert other != annotation
