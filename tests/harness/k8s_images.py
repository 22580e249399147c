# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in container images for the Kubernetes 1.20 test cluster, built from this machine's Debian packages.

No registry is reachable there, so `build()` writes ONE docker-archive tarball (the `docker save` layout:
manifest.json, one config JSON per image, uncompressed layer tars) for `ctr -n k8s.io images import`. Pods must
use `imagePullPolicy: IfNotPresent` (or Never). containerd names the refs docker.io/llm-stack-test/<name>:<tag>,
which is what the kubelet makes of `llm-stack-test/<name>:<tag>`.

Every image but pause shares one base layer: busybox-static (/bin/busybox and its applets as symlinks: sh, cp,
cat, sha256sum, cut, grep, tar, wget, nc, ...), Debian's bash at /bin/bash (the Openfire readiness probe uses its
/dev/tcp), Debian's python3.11 with a trimmed standard library (no tests, idlelib, tkinter, ensurepip, asyncio,
multiprocessing, sqlite3, curses, distutils, lib2to3, __pycache__; ssl, socket, http.server, json, threading,
tarfile and xml are there) and the shared libraries ldd names, /etc/passwd and /etc/group (root, rabbitmq 999,
node 1000, nobody 65534), /tmp 1777. Everything is world-readable: pods run as uid 999 and 1000. On top, one small
layer per image with its stand-in program from tests/standins/images/ (python; SIGTERM stops each at once, also
as PID 1):

- llm-stack-test/pause:3.2: the pause program given as `pause_binary` (static), alone in its layer; no image
  when None.
- llm-stack-test/rabbitmq:standin (uid 999): TCP 5672 accepted and held (no AMQP spoken), HTTP 200 on / of 15672
  (no management API); `rabbitmq-diagnostics -q ping|check_port_connectivity` exits 0 iff 127.0.0.1:5672
  accepts; each start appends a line to /var/lib/rabbitmq/mnesia/standin-boots (the PVC), so a test can see data
  persist. No queues, users or vhosts.
- llm-stack-test/openfire:standin (root): /usr/local/openfire/{conf_org,plugins_org,resources/security_org} for
  the init container's `cp -a`; XMPP on 5222 up to STARTTLS and a TLS handshake with a self-signed certificate
  (CN openfire-standin, made once with the openssl CLI and kept in the cache, so it stays the same across builds),
  enough for `openssl s_client -starttls xmpp` (no login, no messages); the REST API stand-in
  (tests/standins/openfire.py) on 9090 set up from the seeded openfire.xml (secret, allowedIPs, wildcard
  excludes), readiness 200 over HTTP/1.0, state in memory; HTTP 200 on / of 7070 (no BOSH/WebSocket).
- llm-stack-test/xmppweb:standin (root): HTTP 200 on / of 80 (a small page) and /local.js (the APP_*/XMPP_*
  environment); no web client, no proxy.
- llm-stack-test/ollama:standin (root): `ollama serve` = the Ollama API stand-in (tests/standins/ollama.py) on
  $OLLAMA_HOST, 200 on /; models in memory only (nothing on /root/.ollama), no inference.
- llm-stack-test/n8n:standin (uid 1000): HTTP on $N8N_PORT: /healthz 200, /healthz/readiness 200 only once
  /home/node/.n8n/nodes/node_modules/n8n-nodes-xmpp/package.json exists (503 before); no editor, API or workflows.
- llm-stack-test/n8n-nodes-installer:standin: base + an `npm` on PATH that installs local tarballs only
  (`npm install [flags] /artifacts/x.tgz` into ./node_modules, package.json updated); a registry spec fails with
  "no registry in the test cluster".

The build is deterministic (sorted members, fixed mtimes and owners, no compression) for given inputs: this file,
the stand-in sources, the Debian package versions, the pause binary and the cached Openfire certificate. The
archive is cached under $LLM_STACK_CACHE (default ~/.cache/homelab-llm-stack)/k8s-images/<hash of inputs>/ and
reused while they are unchanged (the 4 most recently used archives are kept).

CLI: `python tests/harness/k8s_images.py build [--pause PATH] [--cache DIR]` prints the archive and the refs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

try:
    from harness.debian_packages import apt_install
except ImportError:  # run as a script: this folder is on sys.path
    from debian_packages import apt_install

FORMAT = 1  # bump when the layout changes without any input changing
KEEP = 4  # archives kept in the cache (the most recently used; each is ~30 MB)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STANDINS = os.path.join(REPO, "tests", "standins")
PROGRAMS = os.path.join(STANDINS, "images")
NAMESPACE = "llm-stack-test"
TAG = "standin"
PAUSE_REF = NAMESPACE + "/pause:3.2"
MTIME = 1577836800  # 2020-01-01T00:00:00Z, every member
CREATED = "2020-01-01T00:00:00Z"
ARCH = "x86_64-linux-gnu"
PYTHON = "/usr/bin/python3.11"
PY_LIB = "/usr/lib/python3.11"
STANDIN_DIR = "usr/lib/llm-stack-standin"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ENV = ["PATH=" + PATH, "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"]
# Debian package -> a file it installs that the build reads.
TOOLS = {
    "busybox-static": "/bin/busybox",
    "bash": "/bin/bash",
    "python3.11-minimal": PYTHON,
    "libpython3.11-stdlib": PY_LIB + "/http/server.py",
    "openssl": "/usr/bin/openssl",
}
# Versions that decide what the base layer holds (the libraries ldd finds come from these).
VERSIONED = sorted(TOOLS) + ["libpython3.11-minimal", "libc6", "libssl3", "zlib1g", "libexpat1", "libffi8",
                             "liblzma5", "libbz2-1.0", "libtinfo6", "libuuid1", "libmpdec3"]
PY_TOP_SKIP = {
    "site-packages", "dist-packages", "test", "idlelib", "tkinter", "turtledemo", "turtle.py", "ensurepip",
    "lib2to3", "pydoc_data", "distutils", "_distutils_system_mod.py", "venv", "sqlite3", "curses", "asyncio",
    "multiprocessing", "unittest", "xmlrpc", "wsgiref", "msilib", "crypt.py", "sitecustomize.py", "__phello__",
    "__hello__.py", "antigravity.py", "this.py", "EXTERNALLY-MANAGED",
}
PY_DIR_SKIP = {"__pycache__", "test", "tests", "idle_test"}
DYNLOAD_SKIP = ("_test", "_xx", "xxlimited", "_ctypes_test", "_sqlite3", "_curses", "readline", "_dbm", "_gdbm",
                "nis.", "_tkinter", "_multiprocessing", "_posixshmem", "_asyncio", "ossaudiodev", "spwd", "_crypt")
PASSWD = ("root:x:0:0:root:/root:/bin/sh\n"
          "rabbitmq:x:999:999:RabbitMQ:/var/lib/rabbitmq:/bin/false\n"
          "node:x:1000:1000:node:/home/node:/bin/sh\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
GROUP = "root:x:0:\nrabbitmq:x:999:\nnode:x:1000:\nnogroup:x:65534:\n"
OPENFIRE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Stand-in image default: the init container replaces it with the role's seed (autosetup). -->
<jive>
  <adminConsole>
    <port>9090</port>
    <securePort>9091</securePort>
  </adminConsole>
  <locale>en</locale>
  <setup>false</setup>
</jive>
"""


def cache_root(cache=None):
    return os.path.join(cache or os.environ.get("LLM_STACK_CACHE")
                        or os.path.expanduser("~/.cache/homelab-llm-stack"), "k8s-images")


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Layer:
    """A layer's members by path (no leading /); parents are added as root-owned 0755 folders."""

    def __init__(self):
        self.entries = {}

    def _parents(self, path):
        parent = os.path.dirname(path)
        while parent and parent not in self.entries:
            self.entries[parent] = ("dir", 0o755, 0, 0, None)
            parent = os.path.dirname(parent)

    def dir(self, path, mode=0o755, uid=0, gid=0):
        self._parents(path)
        self.entries[path] = ("dir", mode, uid, gid, None)

    def file(self, path, data=None, source=None, mode=None, uid=0, gid=0):
        self._parents(path)
        if mode is None:
            mode = 0o755 if source and os.access(source, os.X_OK) else 0o644
        self.entries[path] = ("file", mode, uid, gid, data if data is not None else ("source", source))

    def link(self, path, target):
        self._parents(path)
        self.entries[path] = ("link", 0o777, 0, 0, target)

    def write(self, dest):
        """Write the layer tar to dest; return its sha256 (the diff_id)."""
        with tarfile.open(dest, "w", format=tarfile.GNU_FORMAT) as archive:
            for path in sorted(self.entries):
                kind, mode, uid, gid, payload = self.entries[path]
                info = tarfile.TarInfo(path)
                info.mode, info.uid, info.gid, info.mtime = mode, uid, gid, MTIME
                info.uname = info.gname = ""
                if kind == "dir":
                    info.type = tarfile.DIRTYPE
                    archive.addfile(info)
                elif kind == "link":
                    info.type, info.linkname = tarfile.SYMTYPE, payload
                    archive.addfile(info)
                elif isinstance(payload, tuple):
                    info.size = os.path.getsize(payload[1])
                    with open(payload[1], "rb") as handle:
                        archive.addfile(info, handle)
                else:
                    info.size = len(payload)
                    archive.addfile(info, io.BytesIO(payload))
        return sha256_file(dest)


def ensure_tools():
    missing = [package for package, path in sorted(TOOLS.items()) if not os.path.exists(path)]
    if missing:
        apt_install("the test cluster's images", missing)


def package_versions():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n"] + VERSIONED,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, check=False)
    return sorted(out.stdout.splitlines())


def openfire_certificate(root):
    """Self-signed certificate and key for the Openfire stand-in, made once (openssl CLI) and kept in the cache."""
    folder = os.path.join(root, "openfire-tls")
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    if not (os.path.exists(cert) and os.path.exists(key)):
        os.makedirs(root, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".openfire-tls-", dir=root)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7300",
                        "-subj", "/CN=openfire-standin", "-addext",
                        "subjectAltName=DNS:openfire-standin,DNS:localhost,IP:127.0.0.1",
                        "-keyout", os.path.join(staging, "key.pem"), "-out", os.path.join(staging, "cert.pem")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            os.rename(staging, folder)
        except OSError:  # another build made it first
            shutil.rmtree(staging)
    return cert, key


def program_sources():
    """Files whose content goes into the images (or decides them), by path relative to the repository."""
    paths = [os.path.abspath(__file__), os.path.join(STANDINS, "openfire.py"), os.path.join(STANDINS, "ollama.py")]
    paths += [os.path.join(PROGRAMS, name) for name in sorted(os.listdir(PROGRAMS)) if name.endswith(".py")]
    return dict((os.path.relpath(p, REPO), p) for p in paths)


def inputs_hash(pause_binary, cert, key):
    inputs = {
        "format": FORMAT,
        "sources": dict((rel, sha256_file(path)) for rel, path in program_sources().items()),
        "packages": package_versions(),
        "pause": sha256_file(pause_binary) if pause_binary else None,
        "openfire-tls": [sha256_file(cert), sha256_file(key)],
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()[:24]


def shared_libraries(binaries):
    """{path in the image: host file} for what ldd says the binaries load (the loader included)."""
    found = {}
    for binary in binaries:
        out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True, check=False).stdout
        for line in out.splitlines():
            words = line.split()
            if "=>" in words and len(words) >= 3 and words[2].startswith("/"):
                found["lib/%s/%s" % (ARCH, words[0])] = os.path.realpath(words[2])
            elif words and words[0].startswith("/") and "ld-linux" in words[0]:
                found[words[0].lstrip("/")] = os.path.realpath(words[0])
    return found


def add_python(layer):
    """Interpreter and trimmed stdlib; returns the extension modules kept (for ldd)."""
    layer.file(PYTHON.lstrip("/"), source=os.path.realpath(PYTHON), mode=0o755)
    layer.link("usr/bin/python3", "python3.11")
    extensions = []
    for top, dirs, files in os.walk(PY_LIB):
        rel_top = os.path.relpath(top, PY_LIB)
        dirs[:] = sorted(d for d in dirs if d not in PY_DIR_SKIP and not d.startswith("config-")
                         and not (rel_top == "." and d in PY_TOP_SKIP))
        for name in sorted(files):
            if (rel_top == "." and name in PY_TOP_SKIP) or name.endswith((".pyc", ".pyo")):
                continue
            if rel_top == "lib-dynload" and name.startswith(DYNLOAD_SKIP):
                continue
            source = os.path.join(top, name)
            dest = os.path.normpath(os.path.join(PY_LIB, rel_top, name)).lstrip("/")
            if os.path.islink(source):
                target = os.readlink(source)
                if "/" not in target and os.path.exists(os.path.join(top, target)):
                    layer.link(dest, target)
                continue
            layer.file(dest, source=source, mode=0o755 if name.endswith(".so") else 0o644)
            if name.endswith(".so"):
                extensions.append(source)
        for name in dirs:
            layer.dir(os.path.normpath(os.path.join(PY_LIB, rel_top, name)).lstrip("/"))
    return extensions


def base_layer():
    layer = Layer()
    for path in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin", "lib/" + ARCH, "lib64",
                 "etc", "dev", "proc", "sys", "run", "var/lib", "var/log", "home"):
        layer.dir(path)
    for path in ("tmp", "var/tmp"):
        layer.dir(path, mode=0o1777)
    layer.dir("root", mode=0o700)
    layer.dir("home/node", uid=1000, gid=1000)
    layer.file("etc/passwd", PASSWD.encode())
    layer.file("etc/group", GROUP.encode())
    layer.file("etc/nsswitch.conf", b"passwd: files\ngroup: files\nhosts: files dns\n")
    layer.file("etc/hosts", b"127.0.0.1\tlocalhost\n")
    layer.file("bin/busybox", source=os.path.realpath("/bin/busybox"), mode=0o755)
    applets = subprocess.run(["/bin/busybox", "--list-full"], stdout=subprocess.PIPE, universal_newlines=True,
                             check=True).stdout.split()
    for applet in sorted(applets):
        if applet.strip("/") not in layer.entries:
            layer.link(applet.strip("/"), "/bin/busybox")
    layer.file("bin/bash", source=os.path.realpath("/bin/bash"), mode=0o755)
    extensions = add_python(layer)
    for path, source in sorted(shared_libraries(["/bin/bash", PYTHON] + extensions).items()):
        layer.file(path, source=source, mode=0o755)
    return layer


def program(layer, name, links=(), extra=()):
    """A stand-in from tests/standins/images (with a python shebang), links to it, and modules it imports.

    Every program gets standin_base.py (what the stand-ins share) beside it, a plain module like those in `extra`
    (source, name in the image): python puts the script's real folder, STANDIN_DIR also when started through a
    link, first on sys.path, so `import standin_base` finds it there as it does in tests/standins/images.
    """
    with open(os.path.join(PROGRAMS, name), "rb") as handle:
        layer.file("%s/%s" % (STANDIN_DIR, name), b"#!/usr/bin/python3\n" + handle.read(), mode=0o755)
    for link in links:
        layer.link(link, "/%s/%s" % (STANDIN_DIR, name))
    for source, module in [(os.path.join(PROGRAMS, "standin_base.py"), "standin_base.py")] + list(extra):
        layer.file("%s/%s" % (STANDIN_DIR, module), source=source, mode=0o644)


def image_layers(cert, key):
    """{logical name: (layer, config)} of the images above the base layer."""
    images = {}

    def config(stands_for, entrypoint, cmd=None, user="0:0", env=(), ports=(), workdir="/"):
        found = {"Env": ENV + list(env), "Entrypoint": entrypoint, "User": user, "WorkingDir": workdir,
                 "Labels": {"org.opencontainers.image.description": "homelab.llm_stack test stand-in for "
                            + stands_for, "org.opencontainers.image.source": "tests/harness/k8s_images.py"}}
        if cmd:
            found["Cmd"] = cmd
        if ports:
            found["ExposedPorts"] = dict(("%d/tcp" % port, {}) for port in ports)
        return found

    layer = Layer()
    program(layer, "rabbitmq_server.py", ["usr/local/bin/rabbitmq-server", "usr/local/bin/rabbitmq-diagnostics"])
    layer.dir("var/lib/rabbitmq", uid=999, gid=999)
    layer.dir("var/lib/rabbitmq/mnesia", uid=999, gid=999)
    images["rabbitmq"] = (layer, config("docker.io/library/rabbitmq (management)", ["/usr/local/bin/rabbitmq-server"],
                                        user="999:999", env=["HOME=/var/lib/rabbitmq"], ports=(5672, 15672)))

    layer = Layer()
    program(layer, "openfire_server.py", ["usr/local/bin/openfire"],
            [(os.path.join(STANDINS, "openfire.py"), "openfire_rest.py")])
    home = "usr/local/openfire"
    layer.file(home + "/conf_org/openfire.xml", OPENFIRE_XML.encode())
    layer.file(home + "/conf_org/security.xml", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<security/>\n")
    layer.file(home + "/plugins_org/admin/plugin.xml",
               b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plugin><name>Admin Console</name></plugin>\n")
    layer.file(home + "/resources/security_org/standin-cert.pem", source=cert, mode=0o644)
    layer.file(home + "/resources/security_org/standin-key.pem", source=key, mode=0o644)
    layer.dir("var/lib/openfire")
    images["openfire"] = (layer, config("ghcr.io/igniterealtime/openfire", ["/usr/local/bin/openfire"],
                                        ports=(5222, 5269, 7070, 9090), workdir="/" + home))

    layer = Layer()
    program(layer, "xmppweb_server.py", ["usr/local/bin/xmpp-web"])
    images["xmppweb"] = (layer, config("nioc/xmpp-web", ["/usr/local/bin/xmpp-web"], ports=(80,)))

    layer = Layer()
    program(layer, "ollama_server.py", ["bin/ollama"], [(os.path.join(STANDINS, "ollama.py"), "ollama_api.py")])
    layer.dir("root/.ollama", mode=0o755)
    images["ollama"] = (layer, config("docker.io/ollama/ollama", ["/bin/ollama"], cmd=["serve"],
                                      env=["OLLAMA_HOST=0.0.0.0:11434"], ports=(11434,)))

    layer = Layer()
    program(layer, "n8n_server.py", ["usr/local/bin/n8n"])
    layer.dir("home/node/.n8n", uid=1000, gid=1000)
    images["n8n"] = (layer, config("docker.n8n.io/n8nio/n8n", ["/usr/local/bin/n8n"], user="1000:1000",
                                   env=["HOME=/home/node"], ports=(5678,), workdir="/home/node"))

    layer = Layer()
    program(layer, "npm_installer.py", ["usr/local/bin/npm"])
    images["n8n-nodes-installer"] = (layer, config("docker.io/library/node (alpine), for npm install",
                                                   None, cmd=["sh"]))
    return images


def image_config(base_config, diff_ids, history):
    config = dict((k, v) for k, v in base_config.items() if v is not None)
    return {
        "architecture": "amd64", "os": "linux", "created": CREATED, "author": "homelab.llm_stack tests",
        "config": config, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
        "history": [{"created": CREATED, "created_by": h} for h in history],
    }


def write_archive(dest, members):
    """The outer docker-archive tar from {name: bytes or file path}, sorted, fixed metadata."""
    folders = sorted(set(os.path.dirname(n) for n in members if os.path.dirname(n)))
    with tarfile.open(dest, "w", format=tarfile.GNU_FORMAT) as archive:
        for name in sorted(list(members) + folders):
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "", ""
            if name in folders:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
                continue
            info.mode = 0o644
            payload = members[name]
            if isinstance(payload, bytes):
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
            else:
                info.size = os.path.getsize(payload)
                with open(payload, "rb") as handle:
                    archive.addfile(info, handle)


def assemble(staging, pause_binary, cert, key):
    members, manifest, refs = {}, [], {}

    def add_layer(layer):
        path = os.path.join(staging, "layer-%d.tar" % len(members))
        diff_id = layer.write(path)
        members["%s/layer.tar" % diff_id] = path
        return diff_id

    def add_image(name, ref, config, diff_ids, history):
        raw = json.dumps(image_config(config, diff_ids, history), sort_keys=True, separators=(",", ":")).encode()
        config_name = hashlib.sha256(raw).hexdigest() + ".json"
        members[config_name] = raw
        manifest.append({"Config": config_name, "RepoTags": [ref], "Layers": ["%s/layer.tar" % d for d in diff_ids]})
        refs[name] = ref

    if pause_binary:
        layer = Layer()
        layer.entries["pause"] = ("file", 0o755, 0, 0, ("source", os.path.realpath(pause_binary)))
        add_image("pause", PAUSE_REF, {"Env": ["PATH=" + PATH], "Entrypoint": ["/pause"], "User": "65535:65535",
                                       "WorkingDir": "/"}, [add_layer(layer)], ["pause (static binary)"])
    base = add_layer(base_layer())
    for name, (layer, config) in sorted(image_layers(cert, key).items()):
        add_image(name, "%s/%s:%s" % (NAMESPACE, name, TAG), config, [base, add_layer(layer)],
                  ["base: busybox-static, bash, python3.11 (Debian)", "stand-in: " + name])
    members["manifest.json"] = json.dumps(manifest, sort_keys=True, indent=1).encode()
    archive = os.path.join(staging, "images.tar")
    write_archive(archive, members)
    for path in members.values():
        if isinstance(path, str):
            os.unlink(path)
    return archive, refs


def build(cache=None, pause_binary=None):
    """The docker-archive with every stand-in image (cached); {"archive": path, "images": {name: ref}}."""
    ensure_tools()
    root = cache_root(cache)
    cert, key = openfire_certificate(root)
    if pause_binary and not os.access(pause_binary, os.X_OK):
        raise RuntimeError("pause binary %s is not an executable file" % pause_binary)
    folder = os.path.join(root, inputs_hash(pause_binary, cert, key))
    archive, index = os.path.join(folder, "images.tar"), os.path.join(folder, "images.json")
    if os.path.exists(archive) and os.path.exists(index):
        os.utime(folder)  # recently used: kept by prune()
        with open(index) as handle:
            return {"archive": archive, "images": json.load(handle)}
    os.makedirs(root, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".build-", dir=root)
    try:
        unused, refs = assemble(staging, pause_binary, cert, key)
        with open(os.path.join(staging, "images.json"), "w") as handle:
            json.dump(refs, handle, sort_keys=True, indent=1)
        os.chmod(staging, 0o755)
        try:
            os.rename(staging, folder)
        except OSError:  # built meanwhile by another process: same inputs, same bytes
            shutil.rmtree(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune(root)
    return {"archive": archive, "images": refs}


def prune(root, keep=KEEP):
    """Remove all but the `keep` most recently used archive folders of the cache."""
    folders = [os.path.join(root, name) for name in os.listdir(root)
               if len(name) == 24 and all(c in "0123456789abcdef" for c in name)]
    folders.sort(key=lambda path: os.stat(path).st_mtime, reverse=True)
    for stale in folders[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


def unpack(archive, ref, dest):
    """Extract image `ref`'s layers from the docker-archive into folder dest (a root file system for chroot)."""
    with tarfile.open(archive) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        entry = [m for m in manifest if ref in m["RepoTags"]]
        if not entry:
            raise KeyError("%s is not in %s" % (ref, archive))
        os.makedirs(dest, exist_ok=True)
        os.chmod(dest, 0o755)  # the root folder is no member of any layer
        for name in entry[0]["Layers"]:
            with tarfile.open(fileobj=outer.extractfile(name)) as layer:
                layer.extractall(dest, numeric_owner=True)  # nosec: our own archive
        return json.load(outer.extractfile(entry[0]["Config"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--pause", help="static pause binary (no pause image without it)")
    parser.add_argument("--cache", help="instead of $LLM_STACK_CACHE")
    args = parser.parse_args(argv)
    result = build(cache=args.cache, pause_binary=args.pause)
    print(result["archive"])
    for name, ref in sorted(result["images"].items()):
        print("%s %s" % (name, ref))
    return 0


if __name__ == "__main__":
    sys.exit(main())
