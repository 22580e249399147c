# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One real test cluster (tests/harness/kubernetes.py) for the session, stopped after it even when tests fail;
a deploy lab whose first playbooks/deploy.yml run the tests share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

from harness import kubernetes_build
from harness.kubernetes import Cluster
from cluster_lab import DeployLab


@pytest.fixture(scope="session")
def cluster():
    if os.geteuid() != 0:
        sys.stderr.write("\n!!!!! THE DEPLOY PHASE ON A REAL KUBERNETES IS NOT TESTED: the test cluster needs root "
                         "(apt, namespaces, mounts, cgroups)\n")
        pytest.skip("the test cluster needs root")
    try:
        kubernetes_build.build()
    except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
        sys.stderr.write("\n!!!!! THE DEPLOY PHASE ON A REAL KUBERNETES IS NOT TESTED: Kubernetes could not be built "
                         "from Debian's source package (%s)\n" % exc)
        pytest.skip("the test cluster's Kubernetes could not be built: %s" % exc)
    test_cluster = Cluster()
    try:
        test_cluster.start()
    except Exception:
        sys.stderr.write("\n!!!!! the test cluster did not start; its logs: %s/logs\n" % test_cluster.base)
        for name in ("kube-apiserver", "containerd", "kubelet"):
            sys.stderr.write("--- %s\n%s\n" % (name, test_cluster.log_tail(name, 15)))
        test_cluster.stop()
        raise
    sys.stderr.write("\n[test cluster] %s\n" % test_cluster.timings)
    try:
        yield test_cluster
    finally:
        test_cluster.stop()


@pytest.fixture(scope="session")
def lab(cluster, tmp_path_factory):
    return DeployLab(cluster, str(tmp_path_factory.mktemp("deploy"))).write()


@pytest.fixture(scope="session")
def deployed(lab):
    """The first deploy (a cluster_lab.Run)."""
    first = lab.playbook("deploy.yml")
    assert first.rc == 0, lab.describe_failure(first.output)
    sys.stderr.write("\n[deploy] first run %.1f s, changed %s\n" % (first.seconds, first.changed))
    return first
