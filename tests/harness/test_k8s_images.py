# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand-in images of tests/harness/k8s_images.py, checked without Kubernetes.

The archive's layout (docker save: manifest, configs, diff_ids, one shared base layer), a cached and deterministic
build, each image's entrypoint run from its unpacked layers with chroot inside private network and mount
namespaces (a pid namespace per container, so the entrypoint is PID 1 and must handle SIGTERM), driven with the
very commands, probes, users and volumes the roles' rendered manifests give it, and the import into a private
containerd (own root, state and socket; the system's containerd is never touched).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ctypes
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

from harness import k8s_images  # noqa: E402  pylint: disable=wrong-import-position
from harness.debian_packages import apt_install  # noqa: E402  pylint: disable=wrong-import-position
from role_render import render_text, role_defaults, templar  # noqa: E402  pylint: disable=wrong-import-position

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
# host tool -> Debian package that provides it
TOOLS = {"unshare": "util-linux", "chroot": "coreutils", "ip": "iproute2", "mount": "mount", "openssl": "openssl",
         "gcc": "gcc", "containerd": "containerd", "ctr": "containerd"}
PAUSE_C = b"""#include <signal.h>
#include <unistd.h>
static void quit(int sig) { (void)sig; _exit(0); }
int main(void) {
    signal(SIGINT, quit);
    signal(SIGTERM, quit);
    for (;;) pause();
}
"""
with open(os.path.join(REPO, "roles", "secrets", "defaults", "main.yml")) as _handle:
    SECRETS = dict((name, "fake-%s-0123456789" % name) for name in yaml.safe_load(_handle)["secrets_names"])
DOMAIN = "llm.test"


def which(tool):
    found = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if not found:
        packages = sorted(set(package for name, package in TOOLS.items() if not shutil.which(name)))
        if "gcc" in packages:
            packages.append("libc6-dev")
        apt_install("the image checks", packages)
        found = shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin:/bin")
    assert found, tool
    return found


# ---------------------------------------------------------------------------------------------------------------
# Fixtures: the archive, the images' root file systems, the roles' manifests


@pytest.fixture(scope="module")
def pause_binary():
    """A tiny static pause program (the cluster's own comes from the Kubernetes tree), cached."""
    folder = os.path.join(k8s_images.cache_root(), "test-pause")
    path = os.path.join(folder, "pause")
    if not os.access(path, os.X_OK):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "pause.c"), "wb") as handle:
            handle.write(PAUSE_C)
        if not os.path.exists("/usr/lib/x86_64-linux-gnu/libc.a"):
            apt_install("the pause program", ["gcc", "libc6-dev"])
        subprocess.check_call([which("gcc"), "-Os", "-static", "-o", path + ".new", os.path.join(folder, "pause.c")])
        os.rename(path + ".new", path)
    return path


@pytest.fixture(scope="module")
def built(pause_binary):
    started = time.monotonic()
    result = k8s_images.build(pause_binary=pause_binary)
    result["seconds"] = time.monotonic() - started
    return result


@pytest.fixture(scope="module")
def archive(built):
    """manifest, configs by ref, and the layer tars' sha256 and members by layer path."""
    with tarfile.open(built["archive"]) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        configs = dict((m["RepoTags"][0], json.load(outer.extractfile(m["Config"]))) for m in manifest)
        layers = {}
        for name in sorted(set(layer for m in manifest for layer in m["Layers"])):
            raw = outer.extractfile(name).read()
            with tarfile.open(fileobj=io.BytesIO(raw)) as inner:
                layers[name] = (hashlib.sha256(raw).hexdigest(), inner.getmembers())
    return {"manifest": manifest, "configs": configs, "layers": layers}


@pytest.fixture(scope="module")
def roots(built, tmp_path_factory):
    """roots(name) -> (root folder, image config) of a freshly unpacked image (once per module and name)."""
    made = {}

    def get(name):
        if name not in made:
            root = str(tmp_path_factory.mktemp("rootfs-" + name))
            made[name] = (root, k8s_images.unpack(built["archive"], built["images"][name], root))
        return made[name]

    return get


def render(role, template, extra=None):
    """A role's manifest template rendered with its defaults (+ extra): {(kind, name): document}."""
    variables = role_defaults(role)
    variables.update({"llm_stack_secrets": SECRETS, "inventory_dir": tempfile.gettempdir()})
    variables.update(extra or {})
    path = os.path.join(REPO, "roles", role, "templates", "manifests", template)
    docs = [d for d in yaml.safe_load_all(render_text(templar(variables), path)) if d]
    return dict(((d["kind"], d["metadata"]["name"]), d) for d in docs)


def container(pod, name, init=False):
    key = "initContainers" if init else "containers"
    return [c for c in pod["spec"]["template"]["spec"][key] if c["name"] == name][0]


def plain_env(spec):
    return dict((e["name"], str(e["value"])) for e in spec.get("env", []) if "value" in e)


# ---------------------------------------------------------------------------------------------------------------
# Running an image: private network + mount namespaces (forked), chroot, a pid namespace per container


def in_namespaces(function):
    """Run function() in a forked child with its own network and mount namespaces; re-raise its failure here."""
    for tool in ("unshare", "chroot", "ip", "mount"):
        which(tool)
    reader, writer = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(reader)
        status = 1
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET | CLONE_NEWNS) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET|CLONE_NEWNS)")
            subprocess.check_call(["mount", "--make-rprivate", "/"])
            subprocess.check_call(["ip", "link", "set", "lo", "up"])
            function()
            status = 0
        except BaseException:  # pylint: disable=broad-except
            os.write(writer, traceback.format_exc().encode("utf-8", "replace"))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)  # pylint: disable=protected-access
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        report = pipe.read().decode("utf-8", "replace")
    unused, status = os.waitpid(pid, 0)
    assert status == 0, "in the namespaces:\n" + report


def bind(source, root, path, read_only=False):
    """Mount a host folder (a volume) into the image's root, as the kubelet would."""
    target = os.path.join(root, path.lstrip("/"))
    os.makedirs(target, exist_ok=True)
    subprocess.check_call(["mount", "--bind", source, target])
    if read_only:
        subprocess.check_call(["mount", "-o", "remount,bind,ro", target])


def devices(root):
    """/dev/null and friends, bound from the host (runc makes these in every container)."""
    for name in ("null", "zero", "random", "urandom", "full"):
        target = os.path.join(root, "dev", name)
        if not os.path.exists(target):
            open(target, "w").close()
        subprocess.check_call(["mount", "--bind", "/dev/" + name, target])


def image_env(config, extra=None):
    env = dict(item.split("=", 1) for item in config["config"].get("Env", []))
    env.update(extra or {})
    return env


def userspec(config, user=None):
    spec = user or config["config"].get("User") or "0:0"
    return ["--userspec=" + spec] if spec not in ("0:0", "0", "root") else []


def run(root, config, argv, user=None, env=None, stdin=None, timeout=60):
    """A command in the image (an init container, an exec probe): CompletedProcess with text output."""
    return subprocess.run(["chroot"] + userspec(config, user) + [root] + list(argv), env=image_env(config, env),
                          input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=timeout, check=False)


class Container:
    """The image's entrypoint (or command/args) as PID 1 of its own pid namespace, chrooted into the root."""

    def __init__(self, root, config, args=None, command=None, user=None, env=None):
        self.log = tempfile.TemporaryFile()
        # Kubernetes: command replaces the Entrypoint (and drops Cmd), args replace Cmd.
        argv = list(command or config["config"].get("Entrypoint") or [])
        if args is not None:
            argv += list(args)
        elif not command:
            argv += list(config["config"].get("Cmd") or [])
        self.proc = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "chroot"]
                                     + userspec(config, user) + [root] + argv, env=image_env(config, env),
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def pid1(self):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as handle:
                    children = handle.read().split()
                if children:
                    return int(children[0])
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("no PID 1 under unshare: " + self.output())

    def wait_ports(self, *ports, timeout=20):
        deadline = time.monotonic() + timeout
        for port in ports:
            while True:
                assert self.proc.poll() is None, "exited (%s): %s" % (self.proc.returncode, self.output())
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "port %d never opened: %s" % (port, self.output())
                    time.sleep(0.1)
        return self

    def stop(self, within=5):
        """SIGTERM to PID 1 (as the kubelet does); it must be gone within `within` seconds."""
        assert self.proc.poll() is None, "exited early (%s): %s" % (self.proc.returncode, self.output())
        pid1 = self.pid1()
        started = time.monotonic()
        os.kill(pid1, signal.SIGTERM)
        try:
            self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            os.kill(pid1, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError("still running %ds after SIGTERM: %s" % (within, self.output()))
        return time.monotonic() - started


def http_get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def probe(root, config, spec, user=None):
    """An exec probe from a manifest, run in the image."""
    return run(root, config, spec["exec"]["command"], user=user)


# ---------------------------------------------------------------------------------------------------------------
# The archive


def test_archive_layout(built, archive):
    images = built["images"]
    assert images == dict([("pause", "llm-stack-test/pause:3.2")] + [
        (name, "llm-stack-test/%s:standin" % name)
        for name in ("rabbitmq", "openfire", "xmppweb", "ollama", "n8n", "n8n-nodes-installer")])
    manifest, configs, layers = archive["manifest"], archive["configs"], archive["layers"]
    assert sorted(m["RepoTags"][0] for m in manifest) == sorted(images.values())
    for entry in manifest:
        assert set(entry) == {"Config", "RepoTags", "Layers"}
        config = configs[entry["RepoTags"][0]]
        assert (config["architecture"], config["os"]) == ("amd64", "linux")
        assert config["rootfs"]["diff_ids"] == ["sha256:" + layers[name][0] for name in entry["Layers"]]
        assert config["config"].get("Entrypoint") or config["config"].get("Cmd")
        assert "WorkingDir" in config["config"] and "User" in config["config"]
        assert any(e.startswith("PATH=") for e in config["config"]["Env"])
    by_ref = dict((m["RepoTags"][0], m["Layers"]) for m in manifest)
    pause = by_ref.pop(images["pause"])
    bases = set(layer_list[0] for layer_list in by_ref.values())
    assert len(bases) == 1 and all(len(layer_list) == 2 for layer_list in by_ref.values())
    assert len(pause) == 1 and pause[0] not in bases
    assert [m.name for m in layers[pause[0]][1]] == ["pause"]
    assert configs[images["pause"]]["config"]["Entrypoint"] == ["/pause"]
    users = dict((name, configs[ref]["config"]["User"]) for name, ref in images.items())
    assert users["rabbitmq"] == "999:999" and users["n8n"] == "1000:1000" and users["openfire"] == "0:0"
    assert configs[images["ollama"]]["config"]["Cmd"] == ["serve"]


def test_layers_are_deterministic_and_world_readable(archive):
    for name, (unused, members) in archive["layers"].items():
        names = [m.name for m in members]
        assert names == sorted(names), name
        for member in members:
            assert (member.mtime, member.uname, member.gname) == (k8s_images.MTIME, "", ""), member.name
            if member.isfile():
                assert member.mode & 0o444 == 0o444, member.name
            elif member.isdir():
                assert member.mode & 0o555 == 0o555 or member.name == "root", member.name
            parts = member.name.split("/")
            assert "__pycache__" not in parts and not member.name.endswith(".pyc"), member.name
            if member.name.startswith("usr/lib/python3"):
                assert not any(p in ("test", "tests", "idlelib", "tkinter", "ensurepip") for p in parts), member.name


def test_base_layer_contents(archive):
    base = archive["manifest"][-1]["Layers"][0]
    members = dict((m.name, m) for m in archive["layers"][base][1])
    for applet in ("sh", "cp", "mkdir", "cat", "mv", "rm", "sha256sum", "cut", "echo", "head", "grep", "ls",
                   "chmod", "tar", "gzip"):
        path = "bin/" + applet if "bin/" + applet in members else "usr/bin/" + applet
        assert members[path].issym() and members[path].linkname == "/bin/busybox", applet
    assert members["bin/bash"].isfile() and members["bin/busybox"].isfile()
    assert members["usr/bin/python3"].linkname == "python3.11" and members["usr/bin/python3.11"].isfile()
    for module in ("ssl.py", "socket.py", "http/server.py", "json/__init__.py", "threading.py", "tarfile.py"):
        assert "usr/lib/python3.11/" + module in members, module
    assert any(n.startswith("usr/lib/python3.11/lib-dynload/_ssl.") for n in members)
    assert "lib64/ld-linux-x86-64.so.2" in members and "lib/x86_64-linux-gnu/libssl.so.3" in members
    assert members["tmp"].mode == 0o1777
    assert (members["home/node"].uid, members["home/node"].gid) == (1000, 1000)


def test_build_is_cached_and_deterministic(built, pause_binary, tmp_path):
    started = time.monotonic()
    again = k8s_images.build(pause_binary=pause_binary)
    cached = time.monotonic() - started
    assert again["archive"] == built["archive"] and again["images"] == built["images"]
    assert cached < 3, "a cached build took %.1fs" % cached
    # A cold build elsewhere, with the same (cached) Openfire certificate, gives the same bytes.
    shutil.copytree(os.path.join(k8s_images.cache_root(), "openfire-tls"), str(tmp_path / "k8s-images" / "openfire-tls"))
    started = time.monotonic()
    cold = k8s_images.build(cache=str(tmp_path), pause_binary=pause_binary)
    seconds = time.monotonic() - started
    assert cold["archive"] != built["archive"]
    assert cold["archive"].split(os.sep)[-2] == built["archive"].split(os.sep)[-2]  # same inputs hash
    assert k8s_images.sha256_file(cold["archive"]) == k8s_images.sha256_file(built["archive"])
    print("cold build %.1fs, cached %.2fs, %d MiB" % (seconds, cached, os.path.getsize(cold["archive"]) >> 20))


# ---------------------------------------------------------------------------------------------------------------
# The images, as the manifests use them


def test_pause(roots):
    root, config = roots("pause")

    def inside():
        box = Container(root, config)
        time.sleep(0.5)
        assert box.proc.poll() is None, box.output()
        assert box.stop() < 2

    in_namespaces(inside)


def test_rabbitmq(roots, tmp_path):
    root, config = roots("rabbitmq")
    pod = render("rabbitmq", "statefulset.yaml.j2")[("StatefulSet", "rabbitmq")]
    init, main = container(pod, "erlang-cookie", init=True), container(pod, "rabbitmq")
    user = "%(runAsUser)d:%(runAsGroup)d" % pod["spec"]["template"]["spec"]["securityContext"]
    home, data, cookie = (tmp_path / "home"), (tmp_path / "data"), (tmp_path / "cookie")
    for folder in (home, data, cookie):
        folder.mkdir()
    os.chmod(str(home), 0o777)  # emptyDir
    os.chown(str(data), 0, 999)  # PVC with fsGroup 999
    os.chmod(str(data), 0o2775)
    (cookie / "erlang-cookie").write_text("COOKIE")
    os.chown(str(cookie / "erlang-cookie"), 0, 999)
    os.chmod(str(cookie / "erlang-cookie"), 0o440)

    def inside():
        devices(root)
        bind(str(home), root, "/var/lib/rabbitmq")
        bind(str(data), root, "/var/lib/rabbitmq/mnesia")
        bind(str(cookie), root, "/run/rabbitmq-cookie", read_only=True)
        done = run(root, config, init["command"], user=user)
        assert done.returncode == 0, done.stderr
        assert oct(os.stat(str(home / ".erlang.cookie")).st_mode & 0o777) == "0o600"
        assert probe(root, config, main["startupProbe"], user=user).returncode != 0  # nothing listens yet
        for boot in (1, 2):
            box = Container(root, config, user=user, env=dict(RABBITMQ_DEFAULT_USER="admin",
                                                              RABBITMQ_DEFAULT_PASS="pw"))
            box.wait_ports(5672, 15672)
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                answer = probe(root, config, main[kind], user=user)
                assert answer.returncode == 0, (kind, answer.stderr)
            assert http_get(15672, "/")[0] == 200
            held = socket.create_connection(("127.0.0.1", 5672), timeout=2)
            held.sendall(b"AMQP\x00\x00\x09\x01")
            assert box.stop() < 3
            held.close()
            with open(str(data / "standin-boots")) as handle:
                assert len(handle.read().splitlines()) == boot
        assert probe(root, config, main["readinessProbe"], user=user).returncode != 0

    in_namespaces(inside)


def test_openfire(roots, tmp_path):
    root, config = roots("openfire")
    jar = b"PK\x03\x04 not really a jar " * 100
    extra = {"openfire_restapi_jar_b64": base64.b64encode(jar).decode(), "xmpp_domain": DOMAIN,
             "openfire_restapi_checksum": "sha256:" + hashlib.sha256(jar).hexdigest(),
             "openfire_image": "llm-stack-test/openfire:standin"}
    objects = render("openfire", "openfire-statefulset.yaml.j2", extra)
    seed_xml = render("openfire", "openfire-seed-secret.yaml.j2", extra)[("Secret", "openfire-seed")]
    pod = objects[("StatefulSet", "openfire")]
    seed, main = container(pod, "seed", init=True), container(pod, "openfire")
    data, seed_dir, parts = tmp_path / "data", tmp_path / "seed", tmp_path / "part-00"
    for folder in (data, seed_dir, parts):
        folder.mkdir()
    if "stringData" in seed_xml:
        (seed_dir / "openfire.xml").write_text(seed_xml["stringData"]["openfire.xml"])
    else:
        (seed_dir / "openfire.xml").write_bytes(base64.b64decode(seed_xml["data"]["openfire.xml"]))
    (parts / "part").write_bytes(base64.b64decode(objects[("ConfigMap", "openfire-restapi-part-00")]
                                                  ["binaryData"]["part"]))

    def inside():
        devices(root)
        bind(str(data), root, "/var/lib/openfire")
        bind(str(seed_dir), root, "/seed", read_only=True)
        bind(str(parts), root, "/plugin-parts/00", read_only=True)
        first = run(root, config, seed["command"] + seed["args"], env=plain_env(seed))
        assert first.returncode == 0, first.stdout + first.stderr
        assert "seeded" in first.stdout and "installed restAPI.jar" in first.stdout
        assert (data / "plugins" / "restAPI.jar").read_bytes() == jar
        assert (data / "conf" / "security" / "standin-cert.pem").exists()
        again = run(root, config, seed["command"] + seed["args"], env=plain_env(seed))
        assert again.returncode == 0 and again.stdout == "", again.stdout + again.stderr
        box = Container(root, config, env=plain_env(main)).wait_ports(9090, 5222, 7070)
        ready = probe(root, config, main["readinessProbe"])
        assert ready.returncode == 0, ready.stdout + ready.stderr
        auth = {"Authorization": SECRETS["openfire_rest_secret"], "Accept": "application/json"}
        users = http_get(9090, "/plugins/restapi/v1/users", auth)
        assert users[0] == 200 and json.loads(users[1])["users"][0]["username"] == "admin", users
        assert http_get(9090, "/plugins/restapi/v1/users", {"Authorization": "wrong"})[0] == 401
        assert http_get(7070, "/")[0] == 200
        fetched = subprocess.run(["timeout", "20", which("openssl"), "s_client", "-starttls", "xmpp", "-xmpphost",
                                  DOMAIN, "-connect", "127.0.0.1:5222", "-showcerts"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                 check=False)
        assert "-----BEGIN CERTIFICATE-----" in fetched.stdout, fetched.stdout + fetched.stderr
        served = (data / "conf" / "security" / "standin-cert.pem").read_text()
        assert served.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0].strip() in \
            fetched.stdout.replace("\r", "")
        assert box.stop() < 3

    in_namespaces(inside)


def test_xmppweb(roots):
    root, config = roots("xmppweb")
    deployment = render("xmppweb", "xmppweb.yaml.j2", {"xmppweb_image": "llm-stack-test/xmppweb:standin"})
    main = container(deployment[("Deployment", "xmppweb")], "xmppweb")
    port = main["ports"][0]["containerPort"]

    def inside():
        box = Container(root, config, env=plain_env(main)).wait_ports(port)
        status, body = http_get(port, main["readinessProbe"]["httpGet"]["path"])
        assert status == 200 and "<html" in body
        status, body = http_get(port, "/local.js")
        assert status == 200 and json.loads(body.split("=", 1)[1])["APP_WS"] == plain_env(main)["APP_WS"]
        assert box.stop() < 3

    in_namespaces(inside)


def test_ollama(roots, tmp_path):
    root, config = roots("ollama")
    deployment = render("ollama", "deployment.yaml.j2", {"ollama_image": "llm-stack-test/ollama",
                                                         "ollama_version": "standin"})
    main = container(deployment[("Deployment", "ollama")], "ollama")
    assert main["image"] == "llm-stack-test/ollama:standin"
    port = main["ports"][0]["containerPort"]

    def inside():
        bind(str(tmp_path), root, "/root/.ollama")
        box = Container(root, config, args=main["args"], env=plain_env(main)).wait_ports(port)
        assert http_get(port, main["readinessProbe"]["httpGet"]["path"]) == (200, "Ollama is running")
        status, body = http_get(port, "/api/version")
        assert status == 200 and json.loads(body)["version"]
        assert box.stop() < 3

    in_namespaces(inside)


def node_tarball(path):
    """tests/n8n/standin_xmpp_node as `npm pack` lays it out (package/...)."""
    source = os.path.join(REPO, "tests", "n8n", "standin_xmpp_node")
    with tarfile.open(path, "w:gz") as archive:
        archive.add(source, arcname="package")
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode()


def configmap_volume(folder, data):
    """A ConfigMap volume as the kubelet writes it: files in a timestamped folder, ..data and symlinks to it."""
    stamp = folder / "..2020_01_01_00_00_00.000000000"
    stamp.mkdir(parents=True)
    for key, value in data.items():
        (stamp / key).write_bytes(value)
        os.symlink("..data/" + key, str(folder / key))
    os.symlink(stamp.name, str(folder / "..data"))


def test_n8n_installs_the_node_and_gets_ready(roots, tmp_path):
    installer_root, installer = roots("n8n-nodes-installer")
    root, config = roots("n8n")
    tarball = "n8n-nodes-xmpp-0.0.0-standin.tgz"
    b64 = node_tarball(str(tmp_path / tarball))
    extra = {"n8n_xmpp_node_tarball": tarball, "n8n_xmpp_node_tarball_b64": b64,
             "n8n_nodes_installer_image": "llm-stack-test/n8n-nodes-installer:standin",
             "n8n_image": "llm-stack-test/n8n:standin"}
    deployment = render("n8n", "deployment.yaml.j2", extra)[("Deployment", "n8n")]
    configmap = render("n8n", "configmap.yaml.j2", extra)[("ConfigMap", "n8n-nodes")]
    offline = render("n8n", "configmap.yaml.j2")[("ConfigMap", "n8n-nodes")]  # registry spec: must fail clearly
    init, main = container(deployment, "install-nodes", init=True), container(deployment, "n8n")
    security = deployment["spec"]["template"]["spec"]["securityContext"]
    user = "%(runAsUser)d:%(runAsGroup)d" % security
    files = dict((k, v.encode()) for k, v in configmap["data"].items())
    files[tarball] = base64.b64decode(configmap["binaryData"][tarball])
    configmap_volume(tmp_path / "config", files)
    configmap_volume(tmp_path / "registry-config", dict((k, v.encode()) for k, v in offline["data"].items()))
    data, scratch, scratch2 = tmp_path / "data", tmp_path / "tmp", tmp_path / "tmp2"
    for folder in (data, scratch, scratch2):
        folder.mkdir()
        os.chmod(str(folder), 0o777)
    os.chown(str(data), 1000, 1000)
    os.chmod(str(data), 0o2775)
    port = main["ports"][0]["containerPort"]
    installed = data / "nodes" / "node_modules" / "n8n-nodes-xmpp" / "package.json"

    def inside():
        devices(installer_root)
        bind(str(data), installer_root, "/home/node/.n8n")
        bind(str(tmp_path / "config"), installer_root, "/config", read_only=True)
        bind(str(tmp_path / "config"), installer_root, "/artifacts", read_only=True)
        bind(str(scratch), installer_root, "/tmp")
        bind(str(data), root, "/home/node/.n8n")
        box = Container(root, config, env=plain_env(main)).wait_ports(port)
        assert http_get(port, main["startupProbe"]["httpGet"]["path"])[0] == 200
        assert http_get(port, main["livenessProbe"]["httpGet"]["path"])[0] == 200
        assert http_get(port, main["readinessProbe"]["httpGet"]["path"])[0] == 503
        first = run(installer_root, installer, init["command"], user=user, env=plain_env(init))
        assert first.returncode == 0, first.stdout + first.stderr
        assert json.loads(installed.read_text())["name"] == "n8n-nodes-xmpp"
        assert json.loads((data / "nodes" / "package.json").read_text())["dependencies"]["n8n-nodes-xmpp"] \
            .startswith("file:")
        assert os.stat(str(installed)).st_uid == 1000
        assert http_get(port, main["readinessProbe"]["httpGet"]["path"])[0] == 200
        again = run(installer_root, installer, init["command"], user=user, env=plain_env(init))
        assert again.returncode == 0 and "already installed" in again.stdout, again.stdout + again.stderr
        assert box.stop() < 3
        # The same init container without a tarball asks the registry: the stand-in npm refuses, clearly.
        subprocess.check_call(["umount", os.path.join(installer_root, "config")])
        subprocess.check_call(["umount", os.path.join(installer_root, "home/node/.n8n")])
        bind(str(tmp_path / "registry-config"), installer_root, "/config", read_only=True)
        bind(str(scratch2), installer_root, "/home/node/.n8n")
        refused = run(installer_root, installer, init["command"], user=user, env=plain_env(init))
        assert refused.returncode != 0 and "no registry in the test cluster" in refused.stderr, refused

    in_namespaces(inside)


# ---------------------------------------------------------------------------------------------------------------
# containerd


def test_containerd_imports_the_archive(built):
    containerd, ctr = which("containerd"), which("ctr")
    system = [p for p in ("/run/containerd", "/var/lib/containerd") if os.path.exists(p)]
    work = tempfile.mkdtemp(prefix="k8s-images-ctd-")
    sock = os.path.join(work, "containerd.sock")
    with open(os.path.join(work, "config.toml"), "w") as handle:
        handle.write("\n".join([
            "version = 2",
            'root = "%s/root"' % work,
            'state = "%s/state"' % work,
            'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",'
            ' "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",'
            ' "io.containerd.snapshotter.v1.aufs"]',
            "[grpc]", '  address = "%s"' % sock,
            "[ttrpc]", '  address = "%s.ttrpc"' % sock,
            "[debug]", '  address = ""',
            "[metrics]", '  address = ""',
            '[plugins."io.containerd.internal.v1.opt"]', '  path = "%s/opt"' % work, ""]))
    log = open(os.path.join(work, "containerd.log"), "wb")
    daemon = subprocess.Popen([containerd, "--config", os.path.join(work, "config.toml")], stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        base = [ctr, "--address", sock, "-n", "k8s.io"]
        deadline = time.monotonic() + 20
        while subprocess.run(base + ["version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             check=False).returncode != 0:
            assert daemon.poll() is None and time.monotonic() < deadline, open(log.name).read()
            time.sleep(0.2)
        imported = subprocess.run(base + ["images", "import", built["archive"]], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        assert imported.returncode == 0, imported.stdout
        listed = subprocess.run(base + ["images", "check"], stdout=subprocess.PIPE, universal_newlines=True,
                                check=True).stdout
        for ref in built["images"].values():
            line = [l for l in listed.splitlines() if l.startswith("docker.io/" + ref + " ")]
            assert line and "complete" in line[0] and line[0].rstrip().endswith("true"), listed
        names = subprocess.run(base + ["images", "ls", "-q"], stdout=subprocess.PIPE, universal_newlines=True,
                               check=True).stdout.split()
        assert sorted(names) == sorted("docker.io/" + ref for ref in built["images"].values())
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    assert [p for p in ("/run/containerd", "/var/lib/containerd") if os.path.exists(p)] == system
