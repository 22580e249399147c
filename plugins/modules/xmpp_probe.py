#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: xmpp_probe
short_description: Chat with an XMPP bot once and check its answer
version_added: 0.1.0
description:
  - Logs in to an XMPP server as a test account, sends one chat message to a JID (the bot), waits for the first
    reply and returns its text, the full JID that sent it and the round-trip latency.
  - The first live message with a body from the bare O(to) JID, addressed to this session or to the bare O(jid), counts
    as the reply. Chat states, messages delayed by offline storage, late answers addressed to an earlier probe's
    resource and messages from anyone else are ignored.
  - Fails with a distinct message when the server cannot be reached, TLS fails, the login is refused, the bot cannot
    be reached (an error returned for O(to)), no reply arrives within O(timeout), or the reply does not match
    O(expect).
  - A probe changes nothing, so the module never reports C(changed).
options:
  server:
    description:
      - Host name or address to connect to. The JID's domain when unset (no DNS SRV lookup).
      - The server certificate is checked against the JID's domain, not against this name.
    type: str
  port:
    description:
      - Port to connect to. Default V(5223) with O(tls=direct), else V(5222).
    type: int
  jid:
    description:
      - The test account's bare JID (V(user@domain)); a random resource is bound.
    type: str
    required: true
  password:
    description:
      - The test account's password. Never logged, never returned.
    type: str
    required: true
  to:
    description:
      - Bare JID of the bot to chat with.
    type: str
    required: true
  text:
    description:
      - Text of the message to send (the option cannot be called C(message), a name Ansible reserves).
    type: str
    default: ping
  expect:
    description:
      - Python regular expression the reply must contain (C(re.search)). Unset accepts any reply.
    type: str
  timeout:
    description:
      - Seconds allowed for the login, and again for the reply.
    type: int
    default: 30
  tls:
    description:
      - V(starttls) upgrades the plain connection and refuses to log in when the server offers no STARTTLS.
      - V(direct) speaks TLS from the first byte (XEP-0368, usually port 5223).
      - V(none) never encrypts and sends the password (SCRAM or PLAIN) in the clear; for test servers only.
    type: str
    choices: [starttls, direct, none]
    default: starttls
  validate_certs:
    description:
      - Check the server certificate against the system CAs (plus O(ca_path)) and the JID's domain.
      - Disable only for test servers.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA that signed the server certificate (for example a self-signed lab certificate).
    type: path
extends_documentation_fragment:
  - homelab.llm_stack.attributes
attributes:
  check_mode:
    support: full
    details: In check mode nothing is sent and no connection is made; the module only validates its options and
      reports what it would do.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: Nothing on the server changes; C(changed) is always false.
requirements:
  - slixmpp (tested with 1.17.0)
seealso:
  - module: homelab.llm_stack.openfire_user
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Ask the bot something and check its answer.
  homelab.llm_stack.xmpp_probe:
    server: xmpp.example.lan
    jid: probe@example.lan
    password: "{{ llm_stack_secrets.xmpp_probe_password }}"
    to: bot@example.lan
    text: Reply with the single word pong.
    expect: (?i)pong
    timeout: 120
    ca_path: /etc/llm-stack/ca.pem
  register: probe

- name: Show the round trip.
  ansible.builtin.debug:
    msg: "{{ probe.reply_from }} answered in {{ probe.latency }} s: {{ probe.reply }}"
"""

RETURN = r"""
reply:
  description: Text of the reply. Also returned when the reply does not match O(expect).
  returned: success, or failure because of O(expect)
  type: str
  sample: pong
reply_from:
  description: Full JID that sent the reply.
  returned: success, or failure because of O(expect)
  type: str
  sample: bot@example.lan/n8n-9rmgbskw
latency:
  description: Seconds from sending the message to receiving the reply.
  returned: success, or failure because of O(expect)
  type: float
  sample: 0.474
reason:
  description:
    - Why the probe failed, V(connect), V(tls), V(auth), V(login), V(error), V(timeout) or V(mismatch).
  returned: failure after the options were accepted
  type: str
  sample: timeout
"""

import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.homelab.llm_stack.plugins.module_utils._xmpp import (
    HAS_SLIXMPP,
    SLIXMPP_IMPORT_ERROR,
    ProbeError,
    parse_jid,
    probe,
)

ARGUMENT_SPEC = dict(
    server=dict(type="str"),
    port=dict(type="int"),
    jid=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    to=dict(type="str", required=True),
    text=dict(type="str", default="ping"),
    expect=dict(type="str"),
    timeout=dict(type="int", default=30),
    tls=dict(type="str", default="starttls", choices=["starttls", "direct", "none"]),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
)


def checked_params(module):
    """The options as the probe needs them, or fail_json before any connection."""
    params = dict(module.params)
    try:
        params["jid"] = parse_jid(params["jid"], "jid")
        params["to"] = parse_jid(params["to"], "to")
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if params["port"] is None:
        params["port"] = 5223 if params["tls"] == "direct" else 5222
    if not 0 < params["port"] < 65536:
        module.fail_json(msg="port must be between 1 and 65535, got %d" % params["port"])
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, got %d" % params["timeout"])
    if not params["password"]:
        module.fail_json(msg="password must not be empty")
    if not params["text"].strip():
        module.fail_json(msg="text must not be empty")
    params["server"] = params["server"] or params["jid"].split("@", 1)[1]
    try:
        params["expect_re"] = re.compile(params["expect"]) if params["expect"] is not None else None
    except re.error as exc:
        module.fail_json(msg="expect is not a valid regular expression: %s" % exc)
    return params


def main():
    module = AnsibleModule(ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_SLIXMPP:
        module.fail_json(msg=missing_required_lib("slixmpp"), exception=SLIXMPP_IMPORT_ERROR)
    params = checked_params(module)
    if module.check_mode:
        module.exit_json(changed=False, msg="check mode: nothing sent; would send %d characters to %s as %s via %s:%d"
                         % (len(params["text"]), params["to"], params["jid"], params["server"], params["port"]))
    try:
        result = probe(params)
    except ProbeError as exc:
        module.fail_json(msg=exc.message, reason=exc.reason)
    if params["expect_re"] and not params["expect_re"].search(result["reply"]):
        module.fail_json(msg="reply from %s does not match expect %r: %r" % (result["reply_from"], params["expect"],
                                                                             result["reply"]),
                         reason="mismatch", **result)
    module.exit_json(changed=False, msg="%s answered in %.3f s" % (result["reply_from"], result["latency"]), **result)


if __name__ == "__main__":
    main()
