# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for `npm` in the n8n nodes installer image (docker.io/library/node:*-alpine) in the test cluster.

Implements what the n8n role's install.sh runs: `npm install [--flags ...] <path to a .tgz/.tar.gz/.tar>` in the
current folder. The tarball's first path component (`package/` from `npm pack`) is stripped, the files go to
node_modules/<name from its package.json> (replacing an older copy), and ./package.json's dependencies and a
package-lock.json record it as "file:<relative path>". Flags are accepted and ignored. Anything to fetch (a
registry name@version, or dependencies the tarball does not bundle) fails with "no registry in the test cluster".
No scripts run, no peer dependencies, no cache.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import posixpath
import shutil
import sys
import tarfile

NO_REGISTRY = "no registry in the test cluster"


class NpmError(Exception):
    pass


def is_tarball(spec):
    path = spec[5:] if spec.startswith("file:") else spec
    return path.endswith((".tgz", ".tar.gz", ".tar")) and ("/" in path or os.path.exists(path)), path


def read_json(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def write_json(path, value):
    with open(path + ".tmp", "w") as handle:
        json.dump(value, handle, indent=2)
        handle.write("\n")
    os.replace(path + ".tmp", path)


def members(archive):
    """(relative path without the first component, member) of each file and folder; unsafe names refused."""
    for member in archive.getmembers():
        parts = member.name.replace("\\", "/").split("/")[1:]
        rel = posixpath.normpath("/".join(parts)) if parts else ""
        if not rel or rel == ".":
            continue
        if rel.startswith(("/", "../")) or rel == "..":
            raise NpmError("unsafe path in the tarball: %s" % member.name)
        if member.isfile() or member.isdir():
            yield rel, member


def install_tarball(path):
    if not os.path.isfile(path):
        raise NpmError("ENOENT: no such file %s" % path)
    with tarfile.open(path, "r:*") as archive:
        entries = list(members(archive))
        manifest = [m for rel, m in entries if rel == "package.json"]
        if not manifest:
            raise NpmError("%s has no package.json" % path)
        package = json.load(archive.extractfile(manifest[0]))
        name, version = package.get("name"), package.get("version", "0.0.0")
        if not name or name.startswith(".") or ".." in name:
            raise NpmError("%s: bad package name %r" % (path, name))
        target = os.path.join("node_modules", *name.split("/"))
        staging = target + ".standin-new"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        for rel, member in entries:
            dest = os.path.join(staging, *rel.split("/"))
            if member.isdir():
                os.makedirs(dest, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with archive.extractfile(member) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
            os.chmod(dest, 0o755 if member.mode & 0o111 else 0o644)
    missing = [dep for dep in sorted(package.get("dependencies") or {})
               if not os.path.exists(os.path.join(staging, "node_modules", *dep.split("/"), "package.json"))
               and not os.path.exists(os.path.join("node_modules", *dep.split("/"), "package.json"))]
    if missing:
        shutil.rmtree(staging, ignore_errors=True)
        raise NpmError("%s needs %s from the registry: %s" % (name, ", ".join(missing), NO_REGISTRY))
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)
    return name, version


def install(specs):
    project = read_json("package.json", {})
    lock = {"name": project.get("name", os.path.basename(os.getcwd())), "lockfileVersion": 3, "requires": True,
            "packages": {}}
    added = []
    for spec in specs:
        tarball, path = is_tarball(spec)
        if not tarball:
            raise NpmError("cannot fetch %r: %s (npm stand-in: only local tarballs)" % (spec, NO_REGISTRY))
        name, version = install_tarball(path)
        resolved = "file:" + os.path.relpath(os.path.abspath(path), os.getcwd())
        project.setdefault("dependencies", {})[name] = resolved
        added.append((name, version, resolved))
    if not specs:
        for name in sorted(project.get("dependencies") or {}):
            if not os.path.exists(os.path.join("node_modules", *name.split("/"), "package.json")):
                raise NpmError("cannot fetch %r: %s" % (name, NO_REGISTRY))
    write_json("package.json", project)
    lock["packages"][""] = dict((k, project[k]) for k in ("name", "dependencies") if k in project)
    for name in sorted(project.get("dependencies") or {}):
        installed = read_json(os.path.join("node_modules", *name.split("/"), "package.json"), {})
        lock["packages"]["node_modules/" + name] = {"version": installed.get("version"),
                                                    "resolved": project["dependencies"][name]}
    write_json("package-lock.json", lock)
    for name, version, resolved in added:
        sys.stdout.write("+ %s@%s (%s)\n" % (name, version, resolved))
    sys.stdout.write("added %d package%s (npm stand-in)\n" % (len(added), "" if len(added) == 1 else "s"))
    return 0


def main(argv):
    words = [a for a in argv if not a.startswith("-")]
    if not words or words[0] not in ("install", "i", "add"):
        sys.stderr.write("npm stand-in: only `npm install [flags] <tarball>` (got %r)\n" % " ".join(argv))
        return 1
    try:
        return install(words[1:])
    except (NpmError, OSError, tarfile.TarError, ValueError) as exc:
        sys.stderr.write("npm ERR! %s\n" % exc)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
