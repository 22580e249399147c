# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""n8n_credential against a real n8n 2.41.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytestmark = pytest.mark.slow

OLLAMA = dict(type="ollamaApi", data={"baseUrl": "http://ollama.test:11434"})


def base_url(n8n, cid):
    return n8n.rest("/rest/credentials/%s?includeData=true" % cid)["data"]["data"]["baseUrl"]


def test_create_noop_and_check_mode(n8n, run_module, unique):
    name = unique("cred")
    planned = run_module("n8n_credential", n8n.conn(name=name, **OLLAMA), check=True, diff=True)
    assert planned["changed"] and planned["results"][0]["action"] == "create"
    assert planned["diff"] == {"before": {}, "after": {"name": name, "type": "ollamaApi", "data_fields": ["baseUrl"]}}
    assert n8n.named("credentials", name) == []
    created = run_module("n8n_credential", n8n.conn(name=name, **OLLAMA))
    assert created["changed"] and not created.get("failed")
    [cred] = n8n.named("credentials", name)
    assert cred["type"] == "ollamaApi" and cred["id"] == created["results"][0]["id"]
    assert base_url(n8n, cred["id"]) == "http://ollama.test:11434"
    again = run_module("n8n_credential", n8n.conn(name=name, **OLLAMA), diff=True)
    assert not again["changed"] and again["results"][0]["action"] == "none"
    assert "http://ollama.test" not in again["_stdout"]


def test_update_data_on_create_vs_always(n8n, run_module, unique):
    name = unique("cred")
    run_module("n8n_credential", n8n.conn(name=name, **OLLAMA))
    [cred] = n8n.named("credentials", name)
    newer = dict(type="ollamaApi", data={"baseUrl": "http://other:11434"})
    kept = run_module("n8n_credential", n8n.conn(name=name, **newer))
    assert not kept["changed"] and base_url(n8n, cred["id"]) == "http://ollama.test:11434"
    planned = run_module("n8n_credential", n8n.conn(name=name, update_data="always", **newer), check=True)
    assert planned["changed"] and base_url(n8n, cred["id"]) == "http://ollama.test:11434"
    written = run_module("n8n_credential", n8n.conn(name=name, update_data="always", **newer))
    assert written["changed"] and written["results"][0]["action"] == "update"
    assert base_url(n8n, cred["id"]) == "http://other:11434"
    assert [c["id"] for c in n8n.named("credentials", name)] == [cred["id"]]


def test_delete(n8n, run_module, unique):
    name = unique("cred")
    run_module("n8n_credential", n8n.conn(name=name, **OLLAMA))
    planned = run_module("n8n_credential", n8n.conn(name=name, state="absent"), check=True)
    assert planned["changed"] and len(n8n.named("credentials", name)) == 1
    deleted = run_module("n8n_credential", n8n.conn(name=name, state="absent"))
    assert deleted["changed"] and n8n.named("credentials", name) == []
    assert not run_module("n8n_credential", n8n.conn(name=name, state="absent"))["changed"]


def test_duplicate_names_are_an_error(n8n, run_module, unique):
    name = unique("dup")
    for dummy in range(2):
        n8n.api.send_json("POST", "/credentials", {"name": name, "type": "ollamaApi", "data": {"baseUrl": "http://x"}})
    result = run_module("n8n_credential", n8n.conn(name=name, update_data="always", **OLLAMA))
    assert result["failed"] and "2 credentials are named" in result["msg"]
    assert len(n8n.named("credentials", name)) == 2


def test_other_type_is_an_error(n8n, run_module, unique):
    name = unique("cred")
    run_module("n8n_credential", n8n.conn(name=name, **OLLAMA))
    xmpp = {"service": "xmpp://x:5222", "domain": "d", "jid": "bot", "password": "pw-long-enough"}
    result = run_module("n8n_credential", n8n.conn(name=name, type="xmppApi", data=xmpp))
    assert result["failed"] and "has type ollamaApi, not xmppApi" in result["msg"]


def test_list_form_and_node_credential_types(n8n, run_module, unique):
    xmpp, rabbit = unique("xmpp"), unique("rabbit")
    creds = [
        dict(name=xmpp, type="xmppApi",
             data={"service": "xmpp://openfire:5222", "domain": "homelab.lan", "jid": "bot", "password": "s3cret-bot"}),
        dict(name=rabbit, type="rabbitMqApi",
             data={"method": "creds", "host": "rabbitmq", "port": 5672, "username": "n8n-xmpp",
                   "password": "s3cret-mq", "vhost": "xmpp", "ssl": False}),
    ]
    result = run_module("n8n_credential", n8n.conn(credentials=creds), diff=True)
    assert result["changed"] and [r["action"] for r in result["results"]] == ["create", "create"]
    assert set(result["diff"]["after"]) == {xmpp, rabbit}
    assert "s3cret" not in result["_stdout"]
    assert not run_module("n8n_credential", n8n.conn(credentials=creds))["changed"]


def test_bad_input_fails_before_any_write(n8n, run_module, unique):
    good, bad = unique("good"), unique("bad")
    items = [dict(name=good, **OLLAMA), dict(name=bad, type="ollamaApi")]
    result = run_module("n8n_credential", n8n.conn(credentials=items))
    assert result["failed"] and "data" in result["msg"]
    assert n8n.named("credentials", good) == []


def test_server_rejects_data_with_its_reason(n8n, run_module, unique):
    result = run_module("n8n_credential", n8n.conn(name=unique("cred"), type="ollamaApi", data={"foo": "bar"}))
    assert result["failed"] and result["status"] == 400 and "baseUrl" in result["msg"]


def test_wrong_api_key(n8n, run_module, unique):
    result = run_module("n8n_credential", dict(n8n.conn(name=unique("cred"), **OLLAMA), api_key="wrong"))
    assert result["failed"] and result["status"] == 401
