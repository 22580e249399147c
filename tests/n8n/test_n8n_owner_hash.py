# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The owner's bcrypt hash as the n8n role renders it (no server): valid for n8n, stable across runs, and its
salt carries nothing of the password. test_n8n_bootstrap proves that n8n accepts it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

import bcrypt

from harness import n8n as harness

# n8n 2.41.1 validates N8N_INSTANCE_OWNER_PASSWORD_HASH against this shape (reference n8n.md section 3.1).
BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
OWNER = {"email": "someone@lab.test", "password": "Owner-Pw-9876"}


def owner_hash(owner=None, key="key-one"):
    return harness.role_owner_env(owner or OWNER, encryption_key=key)["N8N_INSTANCE_OWNER_PASSWORD_HASH"]


def test_role_declares_the_owner():
    env = harness.role_owner_env(OWNER, n8n_owner_first_name="Ada")
    assert env["N8N_INSTANCE_OWNER_MANAGED_BY_ENV"] == "true"
    assert env["N8N_INSTANCE_OWNER_EMAIL"] == OWNER["email"]
    assert env["N8N_INSTANCE_OWNER_FIRST_NAME"] == "Ada" and env["N8N_INSTANCE_OWNER_LAST_NAME"] == "Lab"
    digest = env["N8N_INSTANCE_OWNER_PASSWORD_HASH"]
    assert BCRYPT.match(digest) and digest.startswith("$2b$10$")
    assert bcrypt.checkpw(OWNER["password"].encode(), digest.encode())
    assert not bcrypt.checkpw(b"Owner-Pw-9877", digest.encode())


def test_hash_is_stable_across_runs():
    assert owner_hash() == owner_hash()


def test_salt_follows_the_encryption_key_not_the_password():
    other_password = dict(OWNER, password="Another-Pw-1234")
    salt = owner_hash()[7:29]
    # Same key, other password: same salt, other hash. Other key: other salt.
    assert owner_hash(other_password)[7:29] == salt and owner_hash(other_password) != owner_hash()
    assert owner_hash(key="key-two")[7:29] != salt
    # Nothing of a fast hash of the password shows in the salt.
    for digest in (hashlib.sha256, hashlib.sha1, hashlib.md5):
        assert digest(OWNER["password"].encode()).hexdigest()[:8] not in salt
