# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real RabbitMQ broker for the rabbitmq_* module tests.

Set RABBITMQ_API_URL, RABBITMQ_API_USER and RABBITMQ_API_PASSWORD to use a
running broker; otherwise tests/harness/rabbitmq.py starts one for the session
(and stops it afterwards if it started it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import uuid

import pytest

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient
from harness.rabbitmq import Broker


class Server:
    def __init__(self, url, user, password):
        self.url = url
        self.user = user
        self.password = password
        self.api = ApiClient(url + "/api", auth=(user, password), retries=0)

    def conn(self, **args):
        """Module arguments: connection options plus `args`."""
        result = dict(api_url=self.url, api_user=self.user, api_password=self.password)
        result.update(args)
        return result

    def get(self, *parts):
        return self.api.get_json("/".join(parts))

    def login_status(self, user, password):
        """HTTP status of GET /api/whoami as `user`: 200 when the password works."""
        client = ApiClient(self.url + "/api", auth=(user, password), retries=0)
        return client.request("GET", "whoami", expected=(200, 401)).status_code


@pytest.fixture(scope="session")
def rabbitmq():
    if os.environ.get("RABBITMQ_API_URL"):
        yield Server(os.environ["RABBITMQ_API_URL"], os.environ["RABBITMQ_API_USER"], os.environ["RABBITMQ_API_PASSWORD"])
        return
    broker = Broker().start()
    try:
        yield Server(broker.api_url, broker.user, broker.password)
    finally:
        if broker.started_here:
            broker.stop()


@pytest.fixture
def uid():
    """A fresh name suffix per test, so tests never see each other's objects."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def closed_url():
    """A loopback URL where nothing listens: any request to it fails to connect."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port
