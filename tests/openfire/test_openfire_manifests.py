# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the openfire and xmppweb manifests must wire together, beyond schema and policy
(tests/manifests checks those): autosetup, the plugin hand-over, probes, exposure, WebSocket routing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "manifests"))

from test_manifests import render  # noqa: E402  pylint: disable=wrong-import-position


def by_kind(documents):
    found = {}
    for unused_name, doc in documents:
        found.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    return found


def test_openfire_xml_autosetup():
    documents, secrets, variables = render("openfire", "inventory-local", {})
    seed = by_kind(documents)["Secret"]["openfire-seed"]
    root = ET.fromstring(base64.b64decode(seed["data"]["openfire.xml"]))
    assert root.findtext("adminConsole/access/allow-wildcards-in-excludes") == "true"
    assert root.findtext("connectionProvider/className") == "org.jivesoftware.database.EmbeddedConnectionProvider"
    assert root.findtext("plugin/restapi/enabled") == "true"
    assert root.findtext("plugin/restapi/httpAuth") == "secret"
    assert root.findtext("plugin/restapi/secret") == secrets["openfire_rest_secret"]
    assert root.find("plugin/restapi/allowedIPs") is None
    assert root.findtext("xmpp/server/socket/active") == "false"
    assert root.findtext("autosetup/run") == "true" and root.findtext("autosetup/locale") == "en"
    assert root.findtext("autosetup/xmpp/domain") == "homelab.lan"
    assert root.findtext("autosetup/admin/password") == secrets["openfire_admin_password"]


def test_standard_database_and_federation():
    extra = {"openfire_database_mode": "standard", "openfire_database_url": "jdbc:postgresql://db/of",
             "openfire_database_driver": "org.postgresql.Driver", "openfire_database_user": "of",
             "openfire_s2s_enabled": True, "openfire_restapi_allowed_ips": ["10.42.0.1"]}
    kinds = by_kind(render("openfire", "role-defaults", extra)[0])
    root = ET.fromstring(base64.b64decode(kinds["Secret"]["openfire-seed"]["data"]["openfire.xml"]))
    assert root.findtext("autosetup/database/mode") == "standard"
    assert root.findtext("autosetup/database/defaultProvider/serverURL") == "jdbc:postgresql://db/of"
    assert root.findtext("plugin/restapi/allowedIPs") == "10.42.0.1"
    assert 5269 in [p["port"] for p in kinds["Service"]["openfire-xmpp"]["spec"]["ports"]]


def test_plugin_parts_rebuild_the_jar():
    jar = os.urandom(1000)
    b64 = base64.b64encode(jar).decode()
    sha = hashlib.sha256(jar).hexdigest()
    extra = {"openfire_restapi_jar_b64": b64, "openfire_restapi_part_size": 400,
             "openfire_restapi_checksum": "sha256:" + sha.upper()}
    kinds = by_kind(render("openfire", "role-defaults", extra)[0])
    parts = sorted(n for n in kinds["ConfigMap"] if n.startswith("openfire-restapi-part-"))
    assert parts == ["openfire-restapi-part-00", "openfire-restapi-part-01", "openfire-restapi-part-02",
                     "openfire-restapi-part-03"]
    joined = b"".join(base64.b64decode(kinds["ConfigMap"][n]["binaryData"]["part"]) for n in parts)
    assert joined == jar
    pod = kinds["StatefulSet"]["openfire"]["spec"]["template"]["spec"]
    seed = pod["initContainers"][0]
    assert {"name": "RESTAPI_SHA256", "value": sha} in seed["env"]
    mounts = sorted(m["mountPath"] for m in seed["volumeMounts"] if m["mountPath"].startswith("/plugin-parts/"))
    assert mounts == ["/plugin-parts/00", "/plugin-parts/01", "/plugin-parts/02", "/plugin-parts/03"]
    assert "sha256sum -c" in seed["args"][0] and 'if [ ! -d "$data/conf" ]' in seed["args"][0]


def test_openfire_exposure_and_probes():
    kinds = by_kind(render("openfire", "inventory-local", {})[0])
    inside = kinds["Service"]["openfire"]
    assert inside["spec"]["type"] == "ClusterIP"
    assert sorted(p["port"] for p in inside["spec"]["ports"]) == [5222, 7070, 9090]
    outside = kinds["Service"]["openfire-xmpp"]
    assert [p["port"] for p in outside["spec"]["ports"]] == [5222]
    policy = kinds["NetworkPolicy"]["openfire"]["spec"]["ingress"]
    admin = [rule for rule in policy if {"port": 9090, "protocol": "TCP"} in rule["ports"]]
    assert admin == [{"from": [{"ipBlock": {"cidr": "10.42.0.0/16"}}], "ports": [{"port": 9090, "protocol": "TCP"}]}]
    container = kinds["StatefulSet"]["openfire"]["spec"]["template"]["spec"]["containers"][0]
    probe = container["readinessProbe"]
    assert "httpGet" not in probe
    assert "/plugins/restapi/v1/system/readiness" in probe["exec"]["command"][-1]
    assert "' 200 '" in probe["exec"]["command"][-1]
    assert {"name": "data", "mountPath": "/var/lib/openfire"} in container["volumeMounts"]
    assert not any(m["mountPath"].endswith("openfire.xml") for m in container["volumeMounts"])


def test_xmppweb_websocket_routing():
    web_docs = render("xmppweb", "inventory-local", {})[0]
    web = by_kind(web_docs)
    env = dict((e["name"], e.get("value")) for e in
               web["Deployment"]["xmppweb"]["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["APP_WS"] == "wss://chat.homelab.lan/xmpp-websocket"
    assert env["XMPP_WS"] == "http://openfire.llm-stack.svc:7070/ws/"
    assert env["APP_DEFAULT_DOMAIN"] == "homelab.lan" and env["APP_DEFAULT_MUC"] == "conference.homelab.lan"
    assert env["APP_GUEST_ACCESS"] == "0" and "XMPP_ANON_HOST" not in env
    # XMPP_WS must name Openfire's in-cluster Service and its HTTP-bind port.
    openfire = by_kind(render("openfire", "inventory-local", {})[0])["Service"]["openfire"]
    assert 7070 in [p["port"] for p in openfire["spec"]["ports"]]
    assert "openfire.%s.svc" % openfire["metadata"]["namespace"] in env["XMPP_WS"]
    ingress = web["Ingress"]["xmppweb"]["spec"]
    assert ingress["ingressClassName"] == "traefik"
    assert ingress["tls"] == [{"hosts": ["chat.homelab.lan"], "secretName": "xmppweb-tls"}]
    rule = ingress["rules"][0]
    assert rule["host"] == "chat.homelab.lan"
    assert rule["http"]["paths"][0]["path"] == "/"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "xmppweb"


def test_xmppweb_guest_access():
    extra = {"xmppweb_guest_access": True, "xmppweb_pinned_mucs": ["a@conference.x"]}
    web = by_kind(render("xmppweb", "role-defaults", extra)[0])
    env = dict((e["name"], e.get("value")) for e in
               web["Deployment"]["xmppweb"]["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["APP_GUEST_ACCESS"] == "1" and env["XMPP_ANON_HOST"] == "homelab.lan"
    assert env["APP_PINNED_MUCS"] == '["a@conference.x"]'
