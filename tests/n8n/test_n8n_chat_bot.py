# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped chat-bot workflow (roles/n8n/templates/workflows/xmpp_chat_bot.json.j2).

Rendered from the role defaults and from each inventory: every node type/version exists in the installed
n8n 2.41.1 packages or in n8n-nodes-xmpp (reference table), every credential reference names a credential
the role creates with the type the node needs, the chat logic is wired as promised, and it imports (and
activates, with the stand-in node) into the real n8n through the modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from harness import n8n as harness

NO_REAL_NODE = ("neither $%s nor %s exists: the real n8n-nodes-xmpp (not on the npm registry reachable here) was "
                "NOT tested (the stand-in was); give its npm tarball to run this"
                % (harness.XMPP_NODE_TGZ_ENV, harness.CACHED_XMPP_NODE))

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(REPO, "roles", "n8n", "templates", "workflows", "xmpp_chat_bot.json.j2")
# n8n-nodes-xmpp 1.0.115 as loaded into n8n 2.41.1 (shared/reference/n8n.md section 6.2).
XMPP_NODE_TYPES = {
    "n8n-nodes-xmpp.xmppTrigger": {"versions": [2], "credentials": ["xmppApi", "rabbitMqApi"]},
    "n8n-nodes-xmpp.xmpp": {"versions": [1], "credentials": ["xmppApi", "rabbitMqApi"]},
}
N8N_PACKAGES = {"n8n-nodes-base": "n8n-nodes-base", "@n8n/n8n-nodes-langchain": "@n8n/n8n-nodes-langchain"}


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def role_vars(inventory=None):
    variables = load_yaml(os.path.join(REPO, "roles", "stack", "defaults", "main.yml"))
    variables.update(load_yaml(os.path.join(REPO, "roles", "n8n", "defaults", "main.yml")))
    if inventory:
        for path in sorted(glob.glob(os.path.join(REPO, "inventories", inventory, "group_vars", "all", "*.yml"))):
            variables.update(load_yaml(path))
    return variables


def render(variables):
    trusted = dict((k, trust_as_template(v) if isinstance(v, str) else v) for k, v in variables.items())
    templar = Templar(loader=DataLoader(), variables=trusted)
    with open(TEMPLATE) as handle:
        return json.loads(templar.template(trust_as_template(handle.read())))


SOURCES = [None] + sorted(os.path.basename(p) for p in glob.glob(os.path.join(REPO, "inventories", "*")))


@pytest.fixture(scope="module")
def known_nodes():
    """{type: {"versions": [...], "credentials": [...]}} from the installed n8n packages' nodes.json."""
    harness.install()
    known = dict(XMPP_NODE_TYPES)
    for package in N8N_PACKAGES:
        with open(os.path.join(harness.N8N_PREFIX, "node_modules", package, "dist", "types", "nodes.json")) as handle:
            for node in json.load(handle):
                versions = node["version"] if isinstance(node["version"], list) else [node["version"]]
                entry = known.setdefault("%s.%s" % (package, node["name"]), {"versions": [], "credentials": []})
                entry["versions"].extend(versions)
                entry["credentials"].extend(c["name"] for c in node.get("credentials") or [])
    return known


@pytest.mark.parametrize("inventory", SOURCES)
def test_values_come_from_the_inventory(inventory):
    variables = role_vars(inventory)
    workflow = render(variables)
    nodes = dict((n["name"], n) for n in workflow["nodes"])
    assert workflow["name"] == variables["n8n_chat_bot_workflow_name"]
    assert nodes["Ollama Chat Model"]["parameters"]["model"] == variables["n8n_chat_model"]
    assert nodes["AI Agent"]["parameters"]["options"]["systemMessage"] == variables["n8n_chat_system_prompt"]
    assert nodes["Memory per sender"]["parameters"]["contextWindowLength"] == int(variables["n8n_chat_memory_turns"])
    assert variables["n8n_chat_reset_command"] in json.dumps(nodes["Route"]["parameters"])
    # n8n expressions are left for n8n.
    assert nodes["AI Agent"]["parameters"]["text"] == "={{ $json.text }}"


def test_special_characters_in_values_stay_valid_json():
    variables = dict(role_vars(), n8n_chat_system_prompt='Say "hi" \\ <b>\'bold\'</b>\nline two',
                     n8n_chat_model="qwen2.5:7b", n8n_chat_reset_command='/forget "me"')
    nodes = dict((n["name"], n) for n in render(variables)["nodes"])
    assert nodes["AI Agent"]["parameters"]["options"]["systemMessage"] == variables["n8n_chat_system_prompt"]
    condition = nodes["Route"]["parameters"]["rules"]["values"][0]["conditions"]["conditions"][0]["leftValue"]
    assert condition == '={{ $json.isChat && $json.text.toLowerCase() === "/forget \\"me\\"" }}'


@pytest.mark.slow
def test_every_node_type_and_version_exists(known_nodes):
    workflow = render(role_vars())
    problems = []
    for node in workflow["nodes"]:
        known = known_nodes.get(node["type"])
        if known is None:
            problems.append("%s: unknown type %s" % (node["name"], node["type"]))
        elif node["typeVersion"] not in known["versions"]:
            problems.append("%s: %s has versions %s, not %s" % (node["name"], node["type"], known["versions"],
                                                                node["typeVersion"]))
        else:
            for cred_type in node.get("credentials") or {}:
                if cred_type not in known["credentials"]:
                    problems.append("%s: %s takes no %s credential" % (node["name"], node["type"], cred_type))
    assert not problems, "\n".join(problems)


def test_credential_references_resolve_to_the_role_credentials():
    variables = role_vars()
    templar = Templar(loader=DataLoader(), variables=variables)
    created = {  # what tasks/configure.yml creates: type -> name
        "ollamaApi": variables["n8n_ollama_credential_name"],
        "xmppApi": variables["n8n_xmpp_credential_name"],
        "rabbitMqApi": variables["n8n_rabbitmq_credential_name"],
    }
    with open(os.path.join(REPO, "roles", "n8n", "tasks", "configure.yml")) as handle:
        configure = handle.read()
    for cred_type in created:
        assert "type: %s" % cred_type in configure
    used = set()
    for node in render(variables)["nodes"]:
        for cred_type, ref in (node.get("credentials") or {}).items():
            assert ref == {"name": templar.template(created[cred_type])}, node["name"]
            used.add(cred_type)
    assert used == set(created)


def test_chat_logic_is_wired():
    workflow = render(role_vars())
    nodes = dict((n["name"], n) for n in workflow["nodes"])
    links = workflow["connections"]

    def targets(source, kind="main", output=0):
        return [c["node"] for c in links[source][kind][output]]

    assert targets("XMPP Trigger") == ["Chat message"]
    assert targets("Chat message") == ["Route"]
    assert targets("Route", output=0) == ["Forget sender"] and targets("Forget sender") == ["Confirm reset"]
    assert targets("Route", output=1) == ["AI Agent"] and targets("AI Agent") == ["Send reply"]
    assert targets("Ollama Chat Model", "ai_languageModel") == ["AI Agent"]
    assert targets("Memory per sender", "ai_memory") == ["AI Agent"]
    assert targets("Memory to forget", "ai_memory") == ["Forget sender"]
    # Memory is keyed by the sender's bare JID (the resource stripped), the same key for chat and reset.
    sender = [a for a in nodes["Chat message"]["parameters"]["assignments"]["assignments"] if a["name"] == "sender"][0]
    assert ".split('/')[0]" in sender["value"]
    for memory in ("Memory per sender", "Memory to forget"):
        assert nodes[memory]["parameters"]["sessionIdType"] == "customKey"
        assert nodes[memory]["parameters"]["sessionKey"] == "={{ $('Chat message').item.json.sender }}"
    assert nodes["Forget sender"]["parameters"] == {"mode": "delete", "deleteMode": "all"}
    for reply in ("Send reply", "Confirm reset"):
        assert nodes[reply]["parameters"]["operation"] == "xmpp-sendmessage"
        assert nodes[reply]["parameters"]["to"] == "={{ $('Chat message').item.json.replyTo }}"


@pytest.mark.slow
def test_imports_and_activates_in_real_n8n(n8n, run_module, unique):
    variables = role_vars()
    suffix = unique("")
    variables.update(n8n_ollama_credential_name="Ollama" + suffix, n8n_xmpp_credential_name="XMPP" + suffix,
                     n8n_rabbitmq_credential_name="RabbitMQ" + suffix, n8n_chat_bot_workflow_name="Bot" + suffix)
    workflow = render(variables)
    creds = run_module("n8n_credential", n8n.conn(credentials=[
        dict(name="Ollama" + suffix, type="ollamaApi", data={"baseUrl": "http://ollama.llm-stack.svc:11434"}),
        dict(name="XMPP" + suffix, type="xmppApi", data={"service": "xmpp://127.0.0.1:1", "domain": "homelab.lan",
                                                         "jid": "bot", "password": "pw"}),
        dict(name="RabbitMQ" + suffix, type="rabbitMqApi", data={"method": "creds", "host": "127.0.0.1", "port": 1,
                                                                 "username": "u", "password": "p", "vhost": "xmpp",
                                                                 "ssl": False}),
    ]))
    assert not creds.get("failed"), creds.get("msg")
    ids = dict((c["name"], c["id"]) for c in n8n.list("credentials"))
    # The stand-in trigger starts nothing, so activation is safe; the real one would try to log in to XMPP.
    active = n8n.xmpp_node == "standin"
    result = run_module("n8n_workflow", n8n.conn(name=workflow["name"], definition=workflow, active=active,
                                                 tags=["llm-stack"]))
    assert result["changed"] and not result.get("failed"), result.get("msg")
    stored = n8n.get("/workflows/%s" % result["results"][0]["id"])
    assert stored["active"] is active
    for node in stored["nodes"]:
        for ref in (node.get("credentials") or {}).values():
            assert ids[ref["name"]] == ref["id"]
    assert not run_module("n8n_workflow", n8n.conn(name=workflow["name"], definition=workflow, active=active,
                                                   tags=["llm-stack"]))["changed"]


@pytest.mark.slow
def test_real_xmpp_node_loads(n8n):
    if n8n.xmpp_node != "real":
        pytest.skip(NO_REAL_NODE)
    for cred_type, field in (("xmppApi", "jid"), ("rabbitMqApi", "vhost")):
        schema = n8n.get("/credentials/schema/%s" % cred_type)
        assert field in schema["properties"]
