# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the Ollama client over the shared ApiClient.

"""Ollama model names, the REST calls ollama_model needs, and the pure
functions that compare a desired model with what the server reports.

Names follow Ollama's types/model/name.go: ``[scheme://]host/namespace/model:tag``
with the defaults registry.ollama.ai / library / latest, compared without case.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import tempfile
import time

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient, ApiError

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
# JSON /api/create (from, system, parameters, ...) exists since v0.5.5; older servers ignore it.
MIN_CREATE_VERSION = (0, 5, 5)
MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"
DIGEST_RE = re.compile(r"^sha256[-:][0-9a-fA-F]{64}$")
PART_LIMITS = {"host": 350, "namespace": 80, "model": 80, "tag": 80}


class InvalidName(ValueError):
    """A model name Ollama would refuse."""


def _valid_part(kind, text):
    """Ollama's isValidPart: first char alphanumeric or _, then -_ plus . (not in a
    namespace) and : (host only)."""
    if not 1 <= len(text) <= PART_LIMITS[kind]:
        return False
    for index, char in enumerate(text):
        if char.isascii() and (char.isalnum() or char == "_"):
            continue
        if index == 0:
            return False
        if char == "-":
            continue
        if char == "." and kind != "namespace":
            continue
        if char == ":" and kind == "host":
            continue
        return False
    return True


def _cut_last(text, sep):
    """Ollama's cutPromised: split at the last sep; an empty side becomes invalid."""
    index = text.rfind(sep)
    if index < 0:
        return text, None
    return text[:index] or "!", text[index + len(sep):] or "!"


def parse_name(name):
    """Split a model name into host, namespace, model, tag (defaults filled in) and digest.

    Raises InvalidName with the reason when Ollama would refuse the name.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidName("a model name must be a non-empty string")
    text = name.strip()
    digest = None
    if "@" in text:
        text, digest = text.split("@", 1)
        if not DIGEST_RE.match(digest):
            raise InvalidName("%r: digest %r is not sha256-<64 hex>" % (name, digest))
    parts = {"host": DEFAULT_HOST, "namespace": DEFAULT_NAMESPACE, "tag": DEFAULT_TAG}
    # A tag exists only when the last ':' comes after the last '/' (host:port/ns/model parses).
    if text.rfind(":") > text.rfind("/"):
        text, parts["tag"] = _cut_last(text, ":")
    rest, model = _cut_last(text, "/")
    if model is None:
        parts["model"] = rest
    else:
        parts["model"] = model
        rest, namespace = _cut_last(rest, "/")
        if namespace is None:
            parts["namespace"] = rest
        else:
            parts["namespace"] = namespace
            parts["host"] = rest.split("://", 1)[1] if "://" in rest else rest
    for kind in ("host", "namespace", "model", "tag"):
        if not _valid_part(kind, parts[kind]):
            raise InvalidName("%r is not a valid Ollama model name: bad %s %r (%s)"
                              % (name, kind, parts[kind], _part_rule(kind)))
    parts["digest"] = digest
    return parts


def _part_rule(kind):
    allowed = {"host": "-_.:", "namespace": "-_", "model": "-_.", "tag": "-_."}[kind]
    return "1-%d characters: letters, digits, _ first, then %s" % (PART_LIMITS[kind], allowed)


def shortest(parts):
    """Ollama's DisplayShortest: the form /api/tags reports (tag always present)."""
    if parts["host"].lower() != DEFAULT_HOST:
        prefix = "%s/%s/" % (parts["host"], parts["namespace"])
    elif parts["namespace"].lower() != DEFAULT_NAMESPACE:
        prefix = parts["namespace"] + "/"
    else:
        prefix = ""
    return "%s%s:%s" % (prefix, parts["model"], parts["tag"])


def short_name(name):
    """The short form Ollama reports for `name` (e.g. llama3 -> llama3:latest)."""
    return shortest(parse_name(name))


def name_key(name):
    """The case-insensitive identity of a model name: two names are one model iff keys are equal."""
    parts = parse_name(name)
    return tuple(parts[k].lower() for k in ("host", "namespace", "model", "tag"))


def version_tuple(text):
    """'0.32.15' or '0.33.0-rc2' -> (0, 33, 0); unparsable -> None."""
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", str(text or ""))
    return tuple(int(x) for x in match.groups()) if match else None


# -- /api/show comparison -------------------------------------------------------

def _go_value(text):
    """A value as Ollama prints it with %#v: Go-quoted string, number or bool."""
    text = text.strip()
    if text.startswith('"'):
        try:
            return json.loads(text)
        except ValueError:
            return text.strip('"')
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_parameters(text):
    """The `parameters` text of /api/show -> {name: value or [values]} (list keys repeat)."""
    found = {}
    for line in (text or "").splitlines():
        fields = line.strip().split(None, 1)
        if len(fields) != 2:
            continue
        key, value = fields[0], _go_value(fields[1])
        if key in found:
            found[key] = (found[key] if isinstance(found[key], list) else [found[key]]) + [value]
        else:
            found[key] = value
    return found


def _same_value(want, have):
    if isinstance(want, list) or isinstance(have, list):
        want_list = want if isinstance(want, list) else [want]
        have_list = have if isinstance(have, list) else [have]
        return len(want_list) == len(have_list) and all(_same_value(w, h) for w, h in zip(want_list, have_list))
    if isinstance(want, bool) or isinstance(have, bool):
        return str(want).lower() == str(have).lower()
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return abs(float(want) - float(have)) < 1e-9
    try:
        return float(want) == float(have)
    except (TypeError, ValueError):
        return str(want) == str(have)


CREATE_KEYS = ("from", "system", "template", "parameters", "messages", "quantize")


def definition_from_show(show):
    """The comparable definition of an existing model, from its /api/show answer."""
    details = show.get("details") or {}
    return {
        "from": details.get("parent_model") or None,
        "system": show.get("system"),
        "template": show.get("template"),
        "parameters": parse_parameters(show.get("parameters")),
        "messages": [dict(role=m.get("role"), content=m.get("content")) for m in show.get("messages") or []],
        "quantize": details.get("quantization_level"),
    }


def definition_drift(desired, current):
    """Keys of the desired create definition that the existing model does not match.

    Only keys the user set are compared: a created model inherits the rest
    (template, stop words, ...) from its base.
    """
    drift = []
    for key in CREATE_KEYS:
        want = desired.get(key)
        if want is None:
            continue
        have = current.get(key)
        if key == "from":
            same = bool(have) and _name_key_or_text(want) == _name_key_or_text(have)
        elif key == "parameters":
            have = have or {}
            same = all(k in have and _same_value(v, have[k]) for k, v in want.items())
        elif key == "messages":
            same = [dict(role=m.get("role"), content=m.get("content")) for m in want] == (have or [])
        elif key == "quantize":
            same = str(want).lower() == str(have or "").lower()
        else:
            same = (want or "").strip() == (have or "").strip()
        if not same:
            drift.append(key)
    return drift


def _name_key_or_text(name):
    try:
        return name_key(name)
    except InvalidName:
        return name


# -- pull progress --------------------------------------------------------------

class PullStalled(Exception):
    """No download progress for the stall timeout."""


class PullProgress:
    """Follows one /api/pull stream: per-layer bytes, overall percent, stall detection.

    A layer line carries digest, total and (once bytes arrive) completed. Progress
    means a new status or more completed bytes; Ollama keeps printing the same
    numbers while a download hangs, so lines alone do not count.
    """

    def __init__(self, name, stall_timeout, clock=time.monotonic):
        self.name = name
        self.stall_timeout = stall_timeout
        self.clock = clock
        self.layers = {}
        self.status = "starting"
        self.success = False
        self.started = clock()
        self.last_progress = self.started

    def update(self, event):
        before = (self.status, self.completed)
        status = event.get("status") or self.status
        digest = event.get("digest")
        if digest:
            layer = self.layers.setdefault(digest, {"total": 0, "completed": 0})
            layer["total"] = max(layer["total"], int(event.get("total") or 0))
            layer["completed"] = max(layer["completed"], int(event.get("completed") or 0))
        self.status = status
        if status == "success":
            self.success = True
        now = self.clock()
        if (self.status, self.completed) != before:
            self.last_progress = now
        elif self.stall_timeout and now - self.last_progress > self.stall_timeout:
            raise PullStalled("no download progress for %d s (last status: %s, %s)"
                              % (self.stall_timeout, self.status, human_bytes(self.completed)))

    @property
    def total(self):
        return sum(layer["total"] for layer in self.layers.values())

    @property
    def completed(self):
        return sum(layer["completed"] for layer in self.layers.values())

    @property
    def percent(self):
        total = self.total
        return round(100.0 * self.completed / total, 1) if total else (100.0 if self.success else 0.0)

    def summary(self):
        done = sum(1 for layer in self.layers.values() if layer["total"] and layer["completed"] >= layer["total"])
        return {
            "status": self.status,
            "bytes_total": self.total,
            "bytes_completed": self.completed,
            "percent": self.percent,
            "layers": len(self.layers),
            "layers_completed": done,
            "seconds": round(self.clock() - self.started, 1),
        }


def human_bytes(count):
    value = float(count or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return ("%d %s" % (value, unit)) if unit == "B" else ("%.1f %s" % (value, unit))
        value /= 1000.0


class ProgressFile:
    """Writes the state of a running module as JSON (atomically), for a watcher.

    The ollama role starts the module under async and prints this file every
    few seconds, so a long download shows percent and bytes while it runs.
    """

    def __init__(self, path, total_models, interval=1.0, clock=time.monotonic):
        self.path = path
        self.state = {"finished": False, "models_total": total_models, "models_done": 0, "model": None}
        self.interval = interval
        self.clock = clock
        self.written = None

    def write(self, force=False, **state):
        self.state.update(state)
        if not self.path:
            return
        now = self.clock()
        if not force and self.written is not None and now - self.written < self.interval:
            return
        self.written = now
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temp = tempfile.mkstemp(dir=directory, prefix=".ollama-progress.")
        with os.fdopen(handle, "w") as out:
            json.dump(self.state, out, sort_keys=True)
        os.chmod(temp, 0o644)
        os.replace(temp, self.path)


def progress_line(state):
    """The play-output line for a ProgressFile state, e.g.
    ``[2/4] llama3.2:3b: pulling c0f35e7bab0d 75.0% (60.0 MB of 80.0 MB)``."""
    total = state.get("models_total") or 0
    current = min(state.get("models_done", 0) + 1, total)
    return "[%d/%d] %s: %s" % (current, total, state.get("model"), state.get("text") or state.get("status"))


# -- client -----------------------------------------------------------------------

class OllamaClient:
    """The Ollama REST calls ollama_model makes, over one ApiClient on api_url."""

    def __init__(self, api):
        self.api = api
        self._tags = None

    def version(self):
        data = self.api.get_json("/api/version", missing=())
        return (data or {}).get("version")

    def models(self, refresh=False):
        """Local models from /api/tags, keyed by name_key."""
        if self._tags is None or refresh:
            data = self.api.get_json("/api/tags", missing=()) or {}
            self._tags = {}
            for entry in data.get("models") or []:
                try:
                    self._tags[name_key(entry.get("model") or entry.get("name"))] = entry
                except InvalidName:
                    continue  # a name this module cannot address is not one it manages
        return self._tags

    def find(self, name):
        return self.models().get(name_key(name))

    def show(self, name):
        response = self.api.request("POST", "/api/show", json_body={"model": name}, expected=(200, 404))
        return None if response.status_code == 404 else self.api.decode(response)

    def delete(self, name):
        """True when deleted, False when the server had no such model."""
        response = self.api.request("DELETE", "/api/delete", json_body={"model": name}, expected=(200, 404))
        self._tags = None
        return response.status_code == 200

    def pull(self, name, insecure=False, stall_timeout=300, on_progress=None):
        """Stream /api/pull; return the progress summary. An error line fails even after HTTP 200."""
        tracker = PullProgress(name, stall_timeout)
        body = {"model": name, "insecure": bool(insecure), "stream": True}
        self._stream("/api/pull", body, tracker, stall_timeout, on_progress)
        self._tags = None
        return tracker.summary()

    def create(self, name, definition, stall_timeout=300, on_progress=None):
        """JSON /api/create (stream); `from` missing on the server is pulled by Ollama itself."""
        body = dict((k, v) for k, v in definition.items() if v is not None)
        body.update(model=name, stream=True)
        tracker = PullProgress(name, stall_timeout)
        self._stream("/api/create", body, tracker, stall_timeout, on_progress)
        self._tags = None
        return tracker.summary()

    def _stream(self, path, body, tracker, stall_timeout, on_progress):
        # The read timeout bounds each wait for the next line: a silent server is a stall too.
        timeout = (self.api.timeout, stall_timeout or None)
        response = self.api.request("POST", path, json_body=body, stream=True, timeout=timeout)
        url = self.api.url(path)
        try:
            # chunk_size=None: hand over each chunk as it arrives (Ollama flushes one line per chunk).
            for line in response.iter_lines(chunk_size=None):
                if not line:
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    raise ApiError("the stream sent a line that is not JSON: %r" % line[:200],
                                   status=response.status_code, method="POST", url=url)
                if event.get("error"):
                    # Ollama reports failures after the 200 header as a last {"error": ...} line.
                    raise ApiError("failed after the stream started", status=response.status_code,
                                   reason=str(event["error"]), method="POST", url=url)
                tracker.update(event)
                if on_progress:
                    on_progress(tracker)
        except PullStalled as exc:
            raise ApiError("stalled: %s" % exc, method="POST", url=url)
        except IOError as exc:  # requests' errors are IOErrors; a read timeout means no data at all
            raise ApiError("stream broke or stalled (no data for %s s): %s" % (stall_timeout, exc),
                           method="POST", url=url)
        finally:
            response.close()
        if not tracker.success:
            raise ApiError("the stream ended without success (last status: %s)" % tracker.status,
                           method="POST", url=url)


def registry_digest(parts, insecure=False, validate_certs=True, timeout=30):
    """sha256 of the registry's manifest for a model: what /api/tags reports once it is pulled."""
    scheme = "http" if insecure else "https"
    registry = ApiClient("%s://%s" % (scheme, parts["host"]), validate_certs=validate_certs,
                         timeout=timeout, headers={"Accept": MANIFEST_ACCEPT})
    try:
        response = registry.request("GET", "/v2/%s/%s/manifests/%s" % (parts["namespace"], parts["model"], parts["tag"]),
                                    expected=(200,))
        return hashlib.sha256(response.content).hexdigest()
    finally:
        registry.close()
