# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the end-to-end test takes n8n-nodes-xmpp from, and the loud skip when it is nowhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

import lab


def test_the_environment_wins(tmp_path, monkeypatch):
    tarball = tmp_path / "node.tgz"
    tarball.write_bytes(b"x")
    monkeypatch.setenv("N8N_XMPP_NODE_TGZ", str(tarball))
    assert lab.find_xmpp_node(str(tmp_path)) == str(tarball)


def test_the_cache_comes_next(tmp_path, monkeypatch):
    cached = tmp_path / "cached.tgz"
    cached.write_bytes(b"x")
    monkeypatch.setenv("N8N_XMPP_NODE_TGZ", str(tmp_path / "missing.tgz"))
    monkeypatch.setattr(lab, "CACHED_TGZ", str(cached))
    assert lab.find_xmpp_node(str(tmp_path)) == str(cached)


def test_nowhere_names_everything_tried(tmp_path, monkeypatch):
    monkeypatch.delenv("N8N_XMPP_NODE_TGZ", raising=False)
    monkeypatch.setattr(lab, "CACHED_TGZ", str(tmp_path / "cached.tgz"))
    # An npm that fails like the registry reachable here (the package is not published there).
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    npm = fake_bin / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error 404 Not Found - GET https://registry.npmjs.org/n8n-nodes-xmpp' >&2\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setattr(lab.n8n_harness, "_env", lambda: {"PATH": str(fake_bin)})
    with pytest.raises(lab.SkipLab) as caught:
        lab.find_xmpp_node(str(tmp_path))
    message = str(caught.value)
    assert message.startswith("n8n-nodes-xmpp 1.0.115 not found, the end-to-end test is NOT run; tried: ")
    assert "$N8N_XMPP_NODE_TGZ (not set)" in message and str(tmp_path / "cached.tgz") + " (missing)" in message
    assert "npm pack n8n-nodes-xmpp@1.0.115 (npm error 404 Not Found" in message
