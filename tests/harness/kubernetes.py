# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real Kubernetes v1.20 for tests: etcd, kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy and
containerd on one node, inside a network and mount namespace of its own.

What it stands for: a one-node K3s server as the deploy phase sees it (server-side apply and validation, immutable
fields, controllers, StatefulSets, PVCs bound through a default ``local-path`` StorageClass, pods that really run and
serve, probes, Services with ClusterIPs through kube-proxy, rollouts). What it does not: K3s 1.36 itself, its
add-ons (Traefik, ServiceLB, CoreDNS, the local-path provisioner, the HelmChart controller) and the upstream
images: the pods run the stand-in images of tests/harness/k8s_images.py.

The host is left as it was. Everything lives in BASE (default /tmp/llm-stack-k8s): the namespaces are made by a
holder process (``unshare --net --mount``); the node's network (bridge cni0 10.22.0.1/24, Services 10.23.0.0/24,
kube-proxy's iptables rules, ip_forward) exists only in that network namespace; /var/lib, /var/log and /run are
overlays whose writes land in BASE; the kernel tunables the 1.20 kubelet insists on writing (vm.overcommit_memory,
kernel.panic, ...; not namespaced) are files in BASE bind-mounted over /proc/sys in that mount namespace; the kubelet's
cgroups sit under one cgroup root that stop() removes. stop() kills every process in the namespace (container shims
too), so a failed test leaves nothing behind, and the next start() cleans up after a crash.

Tests reach the cluster the way the deploy phase reaches K3s on its first server: ``interpreter`` is a Python that
runs inside the network namespace (an inventory's ``llm_stack_api_python``), ``kubeconfig`` is the admin kubeconfig
(https://127.0.0.1:6443 inside the namespace), ``kubectl()`` runs kubectl there.

Binaries come from tests/harness/kubernetes_build.py (Debian's kubernetes source package, cached); etcd-server,
containerd, runc and containernetworking-plugins from Debian.

CLI (molecule)::

    python tests/harness/kubernetes.py start    # prints K8S_KUBECONFIG=..., K8S_PYTHON=..., K8S_IMAGES_...=...
    python tests/harness/kubernetes.py stop
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from harness import harness_cli, k8s_images, kubernetes_build  # noqa: E402
from harness.debian_packages import apt_install  # noqa: E402

BASE = os.environ.get("LLM_STACK_K8S_DIR", "/tmp/llm-stack-k8s")
NODE = "llm-test-node"
NODE_IP = "10.22.0.1"
POD_CIDR = "10.22.0.0/24"
SERVICE_CIDR = "10.23.0.0/24"
API_SERVICE_IP = "10.23.0.1"
API_PORT = 6443
ETCD_PORT = 2379
CGROUP_ROOT = "/llm-stack-test"
RUNTIME_PACKAGES = {"/usr/bin/etcd": "etcd-server", "/usr/bin/containerd": "containerd", "/usr/sbin/runc": "runc",
                    "/usr/lib/cni/bridge": "containernetworking-plugins", "/usr/sbin/iptables": "iptables",
                    "/usr/bin/openssl": "openssl", "/usr/bin/nsenter": "util-linux", "/usr/sbin/ip": "iproute2"}
# What the 1.20 kubelet writes when it finds other values (pkg/kubelet/cm setupKernelTunables).
KUBELET_SYSCTLS = {"vm/overcommit_memory": "1", "vm/panic_on_oom": "0", "kernel/panic": "10",
                   "kernel/panic_on_oops": "1", "kernel/keys/root_maxkeys": "1000000",
                   "kernel/keys/root_maxbytes": "25000000"}
OVERLAID = ("/var/lib", "/var/log", "/run")
STORAGE_CLASSES = (("local-path", False), ("local-path-expandable", True))


def _run(argv, **kwargs):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kwargs).stdout


class Cluster:
    """One test cluster in BASE; its state (holder pid, images) lives in BASE/state.json."""

    def __init__(self, base=BASE):
        self.base = base
        self.state_file = os.path.join(base, "state.json")
        self.pki = os.path.join(base, "pki")
        self.kubeconfig = os.path.join(base, "admin.kubeconfig")
        self.interpreter = os.path.join(base, "bin", "python")
        self.bin = kubernetes_build.bin_dir()
        self.holder = None
        self.images = {}
        self.timings = {}

    # -- namespaces ----------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.base, *parts)

    def in_ns(self, argv):
        """argv run inside the cluster's network and mount namespaces."""
        return ["nsenter", "--target", str(self.holder), "--net", "--mount", "--"] + list(argv)

    def _holder_alive(self):
        try:
            return os.readlink("/proc/%d/ns/net" % self.holder) != os.readlink("/proc/self/ns/net")
        except (OSError, TypeError):
            return False

    def _start_holder(self):
        setup = [
            "set -e", "ip link set lo up",
            "ip link add cni0 type bridge", "ip addr add %s/24 dev cni0" % NODE_IP, "ip link set cni0 up",
            # ClusterIPs need a route for kube-proxy's DNAT (in OUTPUT) to see the node's own connections.
            "ip route add %s dev cni0" % SERVICE_CIDR,
            # Per network namespace: the host's value is untouched.
            "echo 1 > /proc/sys/net/ipv4/ip_forward",
        ]
        for target in OVERLAID:
            layer = self.path("overlay", target.strip("/").replace("/", "_"))
            os.makedirs(os.path.join(layer, "upper"))
            os.makedirs(os.path.join(layer, "work"))
            setup.append("mount -t overlay overlay -o lowerdir=%s,upperdir=%s/upper,workdir=%s/work %s"
                         % (target, layer, layer, target))
        os.makedirs(self.path("sysctl"))
        for name, value in sorted(KUBELET_SYSCTLS.items()):
            fake = self.path("sysctl", name.replace("/", "."))
            with open(fake, "w") as handle:
                handle.write(value + "\n")
            setup.append("mount --bind %s /proc/sys/%s" % (fake, name))
        setup += ["touch %s" % self.path("holder.ready"), "exec sleep 2147483647"]
        proc = subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
                                 "\n".join(setup)], stdout=self._log("holder"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.holder = proc.pid
        self._wait("the namespace holder", lambda: os.path.exists(self.path("holder.ready")), 20,
                   lambda: proc.poll() is not None)

    # -- processes -----------------------------------------------------------

    def _log(self, name):
        return open(self.path("logs", name + ".log"), "ab")

    def _daemon(self, name, argv):
        """Start argv in the namespaces, logging to logs/<name>.log; stop() ends it."""
        subprocess.Popen(self.in_ns(argv), stdout=self._log(name), stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)

    def log_tail(self, name, lines=40):
        try:
            with open(self.path("logs", name + ".log"), "rb") as handle:
                return b"\n".join(handle.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def _wait(self, what, ready, timeout, dead=lambda: False, log=None):
        deadline = time.time() + timeout
        while not ready():
            if dead() or time.time() > deadline:
                raise RuntimeError("%s did not come up within %d s%s" % (
                    what, timeout, (":\n" + self.log_tail(log)) if log else ""))
            time.sleep(0.5)

    def kubectl(self, *args, check=True, stdin=None):
        """kubectl as the cluster's admin; returns stdout (raises with stderr unless check=False)."""
        result = subprocess.run(self.in_ns([os.path.join(self.bin, "kubectl"), "--kubeconfig", self.kubeconfig]
                                           + list(args)), input=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, universal_newlines=True, check=False)
        if check and result.returncode:
            raise RuntimeError("kubectl %s failed: %s" % (" ".join(args), result.stderr.strip()))
        return result.stdout if check else result

    def get_json(self, *args):
        return json.loads(self.kubectl("get", "-o", "json", *args))

    # -- certificates and kubeconfigs ----------------------------------------

    def _cert(self, name, subject, sans=None, ca=True):
        key, crt, csr = (os.path.join(self.pki, name + ext) for ext in (".key", ".crt", ".csr"))
        _run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        if ca:
            _run(["openssl", "req", "-x509", "-new", "-key", key, "-subj", subject, "-days", "3650", "-out", crt])
            return
        _run(["openssl", "req", "-new", "-key", key, "-subj", subject, "-out", csr])
        ext = os.path.join(self.pki, name + ".ext")
        with open(ext, "w") as handle:
            handle.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                         "extendedKeyUsage=%s\n" % ("serverAuth,clientAuth" if sans else "clientAuth"))
            if sans:
                handle.write("subjectAltName=%s\n" % ",".join(sans))
        _run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(self.pki, "ca.crt"),
              "-CAkey", os.path.join(self.pki, "ca.key"), "-CAcreateserial", "-days", "3650",
              "-extfile", ext, "-out", crt])

    def _kubeconfig(self, name):
        path = self.path(name + ".kubeconfig")
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "test",
            "clusters": [{"name": "test", "cluster": {"server": "https://127.0.0.1:%d" % API_PORT,
                                                      "certificate-authority": os.path.join(self.pki, "ca.crt")}}],
            "users": [{"name": name, "user": {"client-certificate": os.path.join(self.pki, name + ".crt"),
                                              "client-key": os.path.join(self.pki, name + ".key")}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": name}}],
        }
        with open(path, "w") as handle:
            json.dump(config, handle, indent=1)
        return path

    def _make_pki(self):
        os.makedirs(self.pki)
        self._cert("ca", "/CN=llm-stack-test-ca")
        self._cert("apiserver", "/CN=kube-apiserver", sans=[
            "IP:127.0.0.1", "IP:" + NODE_IP, "IP:" + API_SERVICE_IP, "DNS:localhost", "DNS:kubernetes",
            "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"],
            ca=False)
        clients = {"admin": "/O=system:masters/CN=llm-stack-test-admin",
                   "apiserver-kubelet": "/O=system:masters/CN=kube-apiserver-kubelet-client",
                   "controller-manager": "/CN=system:kube-controller-manager",
                   "scheduler": "/CN=system:kube-scheduler",
                   "kubelet": "/O=system:nodes/CN=system:node:" + NODE,
                   "proxy": "/CN=system:kube-proxy", "provisioner": "/O=system:masters/CN=llm-stack-test-provisioner"}
        for name, subject in clients.items():
            self._cert(name, subject, ca=False)
            self._kubeconfig(name)
        _run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
              os.path.join(self.pki, "sa.key")])
        _run(["openssl", "ec", "-in", os.path.join(self.pki, "sa.key"), "-pubout", "-out",
              os.path.join(self.pki, "sa.pub")])

    # -- components ----------------------------------------------------------

    def _start_control_plane(self):
        pki = self.pki
        self._daemon("etcd", [
            "etcd", "--name", "test", "--data-dir", self.path("etcd"),
            "--listen-client-urls", "http://127.0.0.1:%d" % ETCD_PORT,
            "--advertise-client-urls", "http://127.0.0.1:%d" % ETCD_PORT,
            "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
            "--initial-cluster", "test=http://127.0.0.1:2380", "--unsafe-no-fsync"])
        self._daemon("kube-apiserver", [
            os.path.join(self.bin, "kube-apiserver"),
            "--etcd-servers", "http://127.0.0.1:%d" % ETCD_PORT,
            "--bind-address", "0.0.0.0", "--advertise-address", NODE_IP,
            "--secure-port", str(API_PORT), "--insecure-port", "0",
            "--service-cluster-ip-range", SERVICE_CIDR, "--endpoint-reconciler-type", "none",
            "--client-ca-file", os.path.join(pki, "ca.crt"),
            "--tls-cert-file", os.path.join(pki, "apiserver.crt"),
            "--tls-private-key-file", os.path.join(pki, "apiserver.key"),
            "--kubelet-client-certificate", os.path.join(pki, "apiserver-kubelet.crt"),
            "--kubelet-client-key", os.path.join(pki, "apiserver-kubelet.key"),
            "--kubelet-preferred-address-types", "InternalIP",
            "--service-account-key-file", os.path.join(pki, "sa.pub"),
            "--service-account-signing-key-file", os.path.join(pki, "sa.key"),
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--authorization-mode", "Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
            "--allow-privileged=true", "--anonymous-auth=false", "--profiling=false", "--v=1"])
        self._wait("kube-apiserver", lambda: self.kubectl("get", "--raw", "/readyz", check=False).returncode == 0,
                   90, log="kube-apiserver")
        self._daemon("kube-controller-manager", [
            os.path.join(self.bin, "kube-controller-manager"),
            "--kubeconfig", self.path("controller-manager.kubeconfig"),
            "--authentication-kubeconfig", self.path("controller-manager.kubeconfig"),
            "--authorization-kubeconfig", self.path("controller-manager.kubeconfig"),
            "--service-account-private-key-file", os.path.join(pki, "sa.key"),
            "--root-ca-file", os.path.join(pki, "ca.crt"), "--use-service-account-credentials=true",
            "--cluster-signing-cert-file", os.path.join(pki, "ca.crt"),
            "--cluster-signing-key-file", os.path.join(pki, "ca.key"),
            "--leader-elect=false", "--bind-address", "127.0.0.1", "--port", "0", "--secure-port", "10257",
            "--controllers", "*,-nodeipam,-cloud-node-lifecycle,-route,-service", "--v=1"])
        self._daemon("kube-scheduler", [
            os.path.join(self.bin, "kube-scheduler"), "--kubeconfig", self.path("scheduler.kubeconfig"),
            "--authentication-kubeconfig", self.path("scheduler.kubeconfig"),
            "--authorization-kubeconfig", self.path("scheduler.kubeconfig"),
            "--leader-elect=false", "--bind-address", "127.0.0.1", "--port", "0", "--secure-port", "10259",
            "--v=1"])

    def _start_node(self):
        containerd = self.path("containerd")
        os.makedirs(self.path("cni", "net.d"))
        with open(self.path("cni", "net.d", "10-llm-test.conflist"), "w") as handle:
            json.dump({"cniVersion": "0.4.0", "name": "llm-test", "plugins": [{
                "type": "bridge", "bridge": "cni0", "isGateway": True, "hairpinMode": True,
                "ipam": {"type": "host-local", "dataDir": self.path("cni", "ipam"),
                         "ranges": [[{"subnet": POD_CIDR, "gateway": NODE_IP}]], "routes": [{"dst": "0.0.0.0/0"}]},
            }]}, handle)
        os.makedirs(containerd)
        with open(os.path.join(containerd, "config.toml"), "w") as handle:
            handle.write(textwrap.dedent("""\
                version = 2
                root = "{root}/root"
                state = "{root}/state"
                [grpc]
                  address = "{root}/containerd.sock"
                [plugins."io.containerd.internal.v1.opt"]
                  path = "{root}/opt"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "{pause}"
                  # No CAP_SYS_RESOURCE here: runc would fail to raise oom_score_adj.
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "{cni}"
                """).format(root=containerd, pause=self.images["pause"], cni=self.path("cni", "net.d")))
        self._daemon("containerd", ["containerd", "--config", os.path.join(containerd, "config.toml")])
        sock = os.path.join(containerd, "containerd.sock")
        ctr = ["ctr", "--address", sock, "-n", "k8s.io"]
        self._wait("containerd", lambda: subprocess.call(self.in_ns(ctr + ["version"]), stdout=subprocess.DEVNULL,
                                                         stderr=subprocess.DEVNULL) == 0, 30, log="containerd")
        started = time.time()
        _run(self.in_ns(ctr + ["images", "import", "--no-unpack", self.images_archive]))
        self.timings["image_import_s"] = round(time.time() - started, 1)
        with open(self.path("kubelet.yaml"), "w") as handle:
            json.dump({
                "apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
                "address": NODE_IP, "port": 10250, "readOnlyPort": 0,
                "healthzBindAddress": "127.0.0.1", "healthzPort": 10248,
                "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                                   "x509": {"clientCAFile": os.path.join(self.pki, "ca.crt")}},
                "authorization": {"mode": "Webhook"},
                "cgroupDriver": "cgroupfs", "cgroupRoot": CGROUP_ROOT, "cgroupsPerQOS": True,
                "enforceNodeAllocatable": [], "failSwapOn": False, "protectKernelDefaults": False,
                "clusterDomain": "cluster.local", "resolvConf": "/etc/resolv.conf",
                # Stand-in images cannot be pulled again: never collect them.
                "imageGCHighThresholdPercent": 100, "imageGCLowThresholdPercent": 99,
                "evictionHard": {"memory.available": "50Mi", "nodefs.available": "1%", "imagefs.available": "1%",
                                 "nodefs.inodesFree": "1%"},
                "serializeImagePulls": False, "maxPods": 40,
            }, handle)
        self._daemon("kubelet", [
            os.path.join(self.bin, "kubelet"), "--config", self.path("kubelet.yaml"),
            "--kubeconfig", self.path("kubelet.kubeconfig"), "--root-dir", self.path("kubelet"),
            "--container-runtime", "remote", "--container-runtime-endpoint", "unix://" + sock,
            "--node-ip", NODE_IP, "--hostname-override", NODE, "--v=1"])
        with open(self.path("kube-proxy.yaml"), "w") as handle:
            json.dump({
                "apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration",
                "clientConnection": {"kubeconfig": self.path("proxy.kubeconfig")},
                "mode": "iptables", "clusterCIDR": POD_CIDR, "hostnameOverride": NODE,
                # Replies from a Service's pod come back through the node, so pod -> ClusterIP -> pod works
                # without br_netfilter.
                "iptables": {"masqueradeAll": True},
                # Conntrack limits are global: leave them as they are.
                "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s"},
                "healthzBindAddress": "127.0.0.1:10256", "metricsBindAddress": "127.0.0.1:10249",
            }, handle)
        self._daemon("kube-proxy", [os.path.join(self.bin, "kube-proxy"), "--config", self.path("kube-proxy.yaml"),
                                    "--v=1"])

    def _node_ready(self):
        result = self.kubectl("get", "node", NODE, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
                              check=False)
        return result.returncode == 0 and result.stdout.strip() == "True"

    def _start_provisioner(self):
        classes = []
        for name, expandable in STORAGE_CLASSES:
            classes.append({
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": name, "annotations": {
                    "storageclass.kubernetes.io/is-default-class": "true" if name == "local-path" else "false"}},
                "provisioner": "llm-stack.test/hostpath", "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": expandable})
        self.kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": classes}))
        self._daemon("provisioner", [sys.executable, os.path.join(HERE, "kubernetes_provisioner.py"),
                                     "https://127.0.0.1:%d" % API_PORT, self.pki, "provisioner",
                                     self.path("volumes"), NODE])

    def _write_interpreter(self):
        os.makedirs(self.path("bin"))
        with open(self.interpreter, "w") as handle:
            handle.write("#!/bin/sh\n# The Python of the test node: runs inside the cluster's network namespace.\n"
                         "exec nsenter --target %d --net -- %s \"$@\"\n" % (self.holder, sys.executable))
        os.chmod(self.interpreter, 0o755)

    # -- lifecycle -----------------------------------------------------------

    def answers(self):
        """Whether the cluster recorded in the state file is up (node Ready)."""
        if not os.path.exists(self.state_file):
            return False
        with open(self.state_file) as handle:
            state = json.load(handle)
        self.holder, self.images = state["holder"], state["images"]
        return self._holder_alive() and self._node_ready()

    def start(self, timeout=180):
        """Start the cluster (or reuse a running one); return self."""
        if self.answers():
            return self
        self.stop()
        missing = sorted(set(package for path, package in RUNTIME_PACKAGES.items() if not os.path.exists(path)))
        if missing:
            apt_install("the test cluster's runtime", missing)
        started = time.time()
        kubernetes_build.build()
        self.timings["build_s"] = round(time.time() - started, 1)
        started = time.time()
        built = k8s_images.build(pause_binary=os.path.join(self.bin, "pause"))
        self.images_archive, self.images = built["archive"], built["images"]
        self.timings["images_s"] = round(time.time() - started, 1)
        started = time.time()
        os.makedirs(self.path("logs"))
        os.makedirs(self.path("volumes"))
        self._start_holder()
        self._save_state()
        _make_cgroups(CGROUP_ROOT)
        self._make_pki()
        self._write_interpreter()
        self._start_control_plane()
        self._start_node()
        self._wait("node %s" % NODE, self._node_ready, timeout, log="kubelet")
        self._start_provisioner()
        self._wait("the default ServiceAccount", lambda: self.kubectl(
            "get", "serviceaccount", "default", check=False).returncode == 0, 60, log="kube-controller-manager")
        self.timings["start_s"] = round(time.time() - started, 1)
        self._save_state()
        return self

    def _save_state(self):
        with open(self.state_file, "w") as handle:
            json.dump({"holder": self.holder, "images": self.images, "timings": self.timings}, handle)

    def _our_pids(self):
        """Every process of the cluster: in its network or mount namespace (daemons, shims) or in its cgroups
        (containers, which have namespaces of their own)."""
        ours = set()
        try:
            namespaces = set(os.readlink("/proc/%d/ns/%s" % (self.holder, kind)) for kind in ("net", "mnt"))
        except (OSError, TypeError):
            namespaces = set()
        namespaces -= set(os.readlink("/proc/self/ns/%s" % kind) for kind in ("net", "mnt"))
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                try:
                    if any(os.readlink("/proc/%s/ns/%s" % (entry, kind)) in namespaces for kind in ("net", "mnt")):
                        ours.add(int(entry))
                except OSError:
                    pass
        for folder, unused_dirs, files in os.walk(os.path.join("/sys/fs/cgroup", "pids", CGROUP_ROOT.strip("/"))):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(folder, "cgroup.procs")) as handle:
                        ours.update(int(line) for line in handle if line.strip())
                except OSError:
                    pass
        return ours

    def stop(self):
        """Kill everything the cluster runs, remove its cgroups and BASE."""
        if self.holder is None and os.path.exists(self.state_file):
            with open(self.state_file) as handle:
                self.holder = json.load(handle).get("holder")
        for unused_round in range(100):
            pids = self._our_pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        # Killed processes leave their cgroups once reaped.
        deadline = time.time() + 10
        while not _remove_cgroups(CGROUP_ROOT) and time.time() < deadline:
            time.sleep(0.2)
        shutil.rmtree(self.base, ignore_errors=True)
        self.holder = None

    def exports(self):
        return {"K8S_KUBECONFIG": self.kubeconfig, "K8S_PYTHON": self.interpreter,
                "K8S_KUBECTL": os.path.join(self.bin, "kubectl"), "K8S_HOLDER": str(self.holder),
                "K8S_IMAGES": json.dumps(self.images, sort_keys=True)}


def _make_cgroups(root):
    """The kubelet's cgroup root in every hierarchy (cpuset needs its CPUs and memory nodes copied down)."""
    for hierarchy in os.listdir("/sys/fs/cgroup"):
        parent = os.path.join("/sys/fs/cgroup", hierarchy)
        if not os.path.isdir(parent) or os.path.islink(parent):
            continue
        folder = os.path.join(parent, root.strip("/"))
        os.makedirs(folder, exist_ok=True)
        for name in ("cpuset.cpus", "cpuset.mems"):
            if os.path.exists(os.path.join(parent, name)):
                with open(os.path.join(parent, name)) as source, open(os.path.join(folder, name), "w") as target:
                    target.write(source.read())


def _remove_cgroups(root):
    """rmdir the kubelet's cgroup tree under `root` in every hierarchy, deepest first; True once it is gone."""
    gone = True
    for hierarchy in os.listdir("/sys/fs/cgroup"):
        top = os.path.join("/sys/fs/cgroup", hierarchy, root.strip("/"))
        if not os.path.isdir(top):
            continue
        for folder in sorted((entry[0] for entry in os.walk(top)), key=lambda path: -path.count("/")):
            try:
                os.rmdir(folder)
            except OSError:
                gone = False
    return gone


if __name__ == "__main__":
    CLUSTER = Cluster()
    sys.exit(harness_cli.main(sys.argv, CLUSTER.start, CLUSTER.stop, CLUSTER.exports))
