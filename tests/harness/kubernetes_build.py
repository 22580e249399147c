# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the Kubernetes binaries the test cluster runs, from Debian bookworm's ``kubernetes`` source package.

Debian ships the full upstream v1.20.2 tree with ``vendor/`` (plus its security patches) in that source package,
and golang-1.19 builds it with no module proxy. The binaries land in
``$LLM_STACK_CACHE/kubernetes-<version>/bin`` and are reused; the 5 GB build tree is removed afterwards.
The source is fetched through a private apt configuration (its own sources list and lists folder), so the host's
apt sources are left alone.

CLI: ``python tests/harness/kubernetes_build.py`` (prints the folder of the binaries).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from harness.debian_packages import apt_install
except ImportError:  # run as a script: this folder is on sys.path
    from debian_packages import apt_install

SOURCE_PACKAGE = "kubernetes"
SOURCE_VERSION = "1.20.5+really1.20.2-1.1+deb12u1"
UPSTREAM_VERSION = "v1.20.2"
GO_ROOT = "/usr/lib/go-1.19"
COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl")
BUILD_PACKAGES = ["golang-1.19-go", "rsync", "dpkg-dev", "make", "gcc", "libc6-dev", "ca-certificates"]
DEB_SRC = ("Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n"
           "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
CACHE = os.environ.get("LLM_STACK_CACHE", os.path.expanduser("~/.cache/homelab-llm-stack"))


def bin_dir(cache=CACHE):
    return os.path.join(cache, "kubernetes-%s" % UPSTREAM_VERSION, "bin")


def built(cache=CACHE):
    """Whether every binary (and the pause program for the test images) is in the cache."""
    folder = bin_dir(cache)
    return all(os.access(os.path.join(folder, name), os.X_OK) for name in COMPONENTS + ("pause",))


def _apt_source_options(root):
    """apt-get options that read only our deb-src list and keep their package lists under `root`."""
    os.makedirs(os.path.join(root, "lists", "partial"))
    sources = os.path.join(root, "sources.sources")
    with open(sources, "w") as handle:
        handle.write(DEB_SRC)
    return ["-o", "Dir::Etc::SourceList=/dev/null", "-o", "Dir::Etc::SourceParts=%s" % root,
            "-o", "Dir::State::Lists=%s" % os.path.join(root, "lists"), "-o", "APT::Get::List-Cleanup=0"]


def fetch_source(workdir):
    """Download and unpack the source package (Debian's patches applied); return the tree's path."""
    options = _apt_source_options(os.path.join(workdir, "apt"))
    subprocess.check_call(["apt-get", "-qq"] + options + ["update"])
    subprocess.check_call(["apt-get", "-qq", "--download-only"] + options
                          + ["source", "%s=%s" % (SOURCE_PACKAGE, SOURCE_VERSION)], cwd=workdir)
    dsc = glob.glob(os.path.join(workdir, "%s_*.dsc" % SOURCE_PACKAGE))[0]
    tree = os.path.join(workdir, "src")
    subprocess.check_call(["dpkg-source", "--no-check", "-x", dsc, tree], cwd=workdir,
                          stdout=subprocess.DEVNULL)
    return tree


def compile_tree(tree, target):
    """Build COMPONENTS offline from the vendored tree and the pause program; copy them to `target`."""
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=vendor", GO111MODULE="on", CGO_ENABLED="0",
               GOCACHE=os.path.join(tree, ".gocache"), GOPATH=os.path.join(tree, ".gopath"),
               PATH="%s/bin:%s" % (GO_ROOT, os.environ.get("PATH", "")),
               KUBE_GIT_VERSION=UPSTREAM_VERSION, KUBE_GIT_MAJOR="1", KUBE_GIT_MINOR="20",
               KUBE_GIT_TREE_STATE="clean", KUBE_BUILD_PLATFORMS="linux/amd64")
    whats = " ".join("cmd/%s" % name for name in COMPONENTS)
    subprocess.check_call(["make", "WHAT=%s" % whats], cwd=tree, env=env)
    staging = target + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    outputs = os.path.join(tree, "_output", "local", "bin", "linux", "amd64")
    for name in COMPONENTS:
        shutil.copy2(os.path.join(outputs, name), staging)
    subprocess.check_call(["gcc", "-Os", "-static", "-o", os.path.join(staging, "pause"),
                           os.path.join(tree, "build", "pause", "linux", "pause.c")])
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)


def build(cache=CACHE, log=sys.stderr):
    """Build the binaries unless cached; return their folder."""
    target = bin_dir(cache)
    if built(cache):
        return target
    if not os.access(os.path.join(GO_ROOT, "bin", "go"), os.X_OK):
        apt_install("the Kubernetes build tools", BUILD_PACKAGES)
    os.makedirs(cache, exist_ok=True)
    started = time.time()
    log.write("== building Kubernetes %s from Debian's source package %s (first time only, ~12 min on 2 cores)\n"
              % (UPSTREAM_VERSION, SOURCE_VERSION))
    log.flush()
    workdir = tempfile.mkdtemp(prefix="k8s-build-", dir=cache)
    try:
        compile_tree(fetch_source(workdir), target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log.write("== Kubernetes binaries built in %.0f s: %s\n" % (time.time() - started, target))
    return target


if __name__ == "__main__":
    print(build())
