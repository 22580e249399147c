# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand-in honours the documented quirks the modules rely on (reference section 1.11)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import requests

from openfire_support import SECRET

from standins.openfire import OpenfireStandin, PREFIX

JSON = {"Authorization": SECRET, "Accept": "application/json"}


def test_xml_by_default_json_on_request(openfire):
    xml = requests.get(openfire.url + PREFIX + "/users/admin", headers={"Authorization": SECRET})
    assert xml.status_code == 200 and xml.text.startswith("<?xml") and "<username>admin</username>" in xml.text
    assert requests.get(openfire.url + PREFIX + "/users/admin", headers=JSON).json()["username"] == "admin"


def test_user_contract(openfire):
    url = openfire.url + PREFIX + "/users"
    assert requests.post(url, json={"username": "Zed"}, headers=JSON).json()["exception"] == "PasswordIsNull"
    created = requests.post(url, json={"username": "Zed", "password": "p", "properties": [{"key": "k", "value": "v"}]},
                            headers=JSON)
    assert created.status_code == 201 and created.content == b""
    again = requests.post(url, json={"username": "zed", "password": "p"}, headers=JSON)
    assert again.status_code == 409 and again.json()["exception"] == "UserAlreadyExistsException"
    assert requests.post(url, json={"username": "y", "password": "p", "groups": []}, headers=JSON).status_code == 500
    got = requests.get(url + "/ZED", headers=JSON).json()
    assert got == {"username": "zed", "name": "", "properties": [{"key": "k", "value": "v"}]}
    assert requests.put(url + "/zed", json={"username": "zed", "name": "Zed"}, headers=JSON).status_code == 200
    assert requests.get(url + "/zed", headers=JSON).json()["properties"] == []  # a PUT without properties wipes them
    missing = requests.get(url + "/nobody", headers=JSON)
    assert missing.status_code == 404 and missing.json()["message"] == "Could not get user"


def test_group_contract(openfire):
    url = openfire.url + PREFIX + "/groups"
    assert requests.post(url, json={"name": "g", "description": "d"}, headers=JSON).status_code == 500
    assert requests.post(url, json={"name": "g", "description": "d", "members": ["Al"], "admins": [],
                                    "shared": True}, headers=JSON).status_code == 201
    assert requests.get(url, headers=JSON).json() == {"groups": [{"name": "g", "description": "d", "shared": False}]}
    assert requests.get(url + "/g", headers=JSON).json()["members"] == ["al@example.org"]
    assert requests.put(url + "/g", json={"name": "h", "members": [], "admins": []}, headers=JSON).status_code == 400
    assert requests.put(url + "/g", json={"name": "g", "members": [], "admins": []}, headers=JSON).status_code == 200
    assert "description" not in requests.get(url + "/g", headers=JSON).json()
    assert requests.delete(url + "/nope", headers=JSON).status_code == 404


def test_property_contract(openfire):
    url = openfire.url + PREFIX + "/system/properties"
    assert requests.put(url + "/a", json={"key": "a", "value": "1"}, headers=JSON).status_code == 404
    assert requests.post(url, json={"key": "a", "value": "1"}, headers=JSON).status_code == 201
    assert requests.post(url, json={"key": "a", "value": "2"}, headers=JSON).status_code == 201
    assert requests.put(url + "/a", json={"key": "b", "value": "3"}, headers=JSON).status_code == 400
    assert requests.get(url + "/a", headers=JSON).json() == {"key": "a", "value": "2"}
    assert requests.delete(url + "/a", headers=JSON).status_code == 200
    assert requests.get(url + "/a", headers=JSON).json()["exception"] == "PropertyNotFoundException"


def test_auth_and_redirect(openfire):
    denied = requests.get(openfire.url + PREFIX + "/users", headers={"Accept": "application/json"})
    assert denied.status_code == 401 and denied.content == b""
    assert requests.get(openfire.url + PREFIX + "/system/readiness").status_code == 200
    with OpenfireStandin(wildcard=False) as trap:
        moved = requests.get(trap.url + PREFIX + "/system/readiness", allow_redirects=False)
    assert moved.status_code == 302 and moved.headers["Location"].startswith("/login.jsp?url=")
