# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the Ollama REST API, written from ../shared/reference/ollama-api.md
(sections 1-6), quirks included:

- names: [scheme://]host/namespace/model:tag with defaults registry.ollama.ai /
  library / latest, compared without case, reported by /api/tags and /api/ps in
  the shortest form (tag always present) with the casing stored on disk; a name
  that breaks the character rules gets 400 (show, delete, create) or an error
  line (pull);
- /api/pull streams NDJSON: "pulling manifest", one line per layer (config
  included) with digest/total and, once bytes arrive, completed; "verifying
  sha256 digest" (skipped for cached blobs), "writing manifest", "removing
  unused layers" when the old manifest had layers no longer used, "success".
  Errors after the stream started are a last {"error": ...} line under HTTP
  200 (unknown model: "pull model manifest: file does not exist"; http://
  registry without insecure: "insecure protocol http"). An up-to-date pull
  rewrites the manifest: modified_at moves, the digest does not;
- digests: sha256 of the manifest bytes, the same bytes the registry serves at
  GET /v2/<namespace>/<model>/manifests/<tag>;
- /api/show: 404 {"error":"model 'x' not found"}; parameters as text, one
  "%-30s %#v" line per value (list values repeat the key); system, template,
  details.parent_model, messages, capabilities, model_info, modified_at;
- /api/delete: DELETE with a JSON body, 200 empty, 404 when missing;
- /api/create (JSON form): 400 without from/files; a missing `from` is pulled
  first; stream ends with "success"; quantize only for F16/F32 bases (error line);
- /api/version, /api/ps, HEAD/GET /, and "missing request body" 400s;
- /api/chat ({model, messages, tools?, stream?, options?}): 404 "model \"x\" not found, try pulling it
  first" for a model that was not pulled; NDJSON chunks {model, created_at, message: {role, content}, done:
  false} then a last {done: true, done_reason, *_count, *_duration} line, or one object with stream:false.
  Answers are deterministic: "echo: <last user message>"; "recall" answers with the earlier user messages
  it was sent ("recall: a | b", "recall: (nothing)"), so tests can see what history a caller keeps; when
  tools are offered and the last user message mentions "time", the first answer is a tool_calls entry for
  the tool whose name has "time" in it (else the first tool) and the answer after the tool result is
  "tool <name> said: <result>". `chat_delay` (seconds before answering) plays a slow model; `chats`
  counts the requests. A chatted model shows in /api/ps, with size_vram = size when `gpu` is set, else 0.

A small fake registry lives in the same process (`publish()` adds or moves a
model), so state=latest can be tested. Pull behaviour per registry model:
`delay` (seconds between progress lines), `fail_after` (error line after N
layer lines), `stall` ("silent": stop sending, keep the connection;
"repeat": keep sending the same numbers).

Routes are a table (ROUTES), one handler per endpoint.

Use in tests: `with OllamaStandin() as server: server.url ...`, or run it:
`python tests/standins/ollama.py --port 11434 [--pid-file F] [--delay S] [--chat-delay S] [--gpu]`
(serves the catalogue in DEFAULT_CATALOGUE).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import datetime
import hashlib
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

VERSION = "0.32.15"
HOST, NAMESPACE, TAG = "registry.ollama.ai", "library", "latest"
# name.go isValidPart: first char alphanumeric or _, then - _ . (no . in a namespace) and : (host only).
PART = {
    "host": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$"),
    "namespace": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$"),
    "model": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$"),
    "tag": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$"),
}
MB = 1000 * 1000
# Models served by the command-line stand-in (molecule): small sizes, quick pulls.
DEFAULT_CATALOGUE = {
    "qwen2.5:1.5b": {"layers": [60 * MB, 2 * MB, 1000], "family": "qwen2", "parameter_size": "1.5B"},
    "llama3.2:3b": {"layers": [80 * MB, 1000], "family": "llama", "parameter_size": "3.2B"},
    "tinyllama:latest": {"layers": [20 * MB, 1000], "family": "llama", "parameter_size": "1B"},
}


class BadName(ValueError):
    pass


def parse(name):
    """(scheme, host, namespace, model, tag) of a name, defaults filled in; BadName if invalid."""
    text = name or ""
    scheme = "https"
    if "://" in text:
        scheme, text = text.split("://", 1)
    tag = TAG
    if text.rfind(":") > text.rfind("/"):
        text, tag = text.rsplit(":", 1)
    pieces = text.split("/")
    if len(pieces) > 3:
        raise BadName(name)
    pieces = [HOST, NAMESPACE][:3 - len(pieces)] + pieces
    host, namespace, model = pieces
    for kind, value in (("host", host), ("namespace", namespace), ("model", model), ("tag", tag)):
        if not PART[kind].match(value):
            raise BadName(name)
    return scheme, host, namespace, model, tag


def key(name):
    return tuple(p.lower() for p in parse(name)[1:])


def display(host, namespace, model, tag):
    """DisplayShortest."""
    if host.lower() != HOST:
        return "%s/%s/%s:%s" % (host, namespace, model, tag)
    if namespace.lower() != NAMESPACE:
        return "%s/%s:%s" % (namespace, model, tag)
    return "%s:%s" % (model, tag)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def go_value(value):
    """%#v of a parameter value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))


def parameters_text(parameters):
    lines = []
    for name in sorted(parameters):
        values = parameters[name] if isinstance(parameters[name], list) else [parameters[name]]
        lines.extend("%-30s %s" % (name, go_value(v)) for v in values)
    return "\n".join(lines)


class Fail(Exception):
    def __init__(self, status, error):
        super(Fail, self).__init__(error)
        self.status = status
        self.error = error


class Registry:
    """Fake registry: manifests and blob sizes per (host, namespace, model, tag) key."""

    def __init__(self):
        self.models = {}
        self.generation = 0

    def publish(self, name, layers=(10 * MB, 1000), family="llama", parameter_size="1B",
                quantization="Q4_K_M", **behaviour):
        """Add the model, or move it to new content (a new digest); returns the digest."""
        self.generation += 1
        seed = "%s-%d" % (name, self.generation)
        blobs = [("sha256:" + sha(("%s-layer-%d" % (seed, i)).encode()), size) for i, size in enumerate(layers)]
        config = ("sha256:" + sha(("%s-config" % seed).encode()), 500)
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": config[0], "size": config[1]},
            "layers": [{"mediaType": "application/vnd.ollama.image.model", "digest": d, "size": s} for d, s in blobs],
        }, indent=2).encode()
        entry = self.models.get(key(name), {})
        entry.update(manifest=manifest, blobs=[config] + blobs, behaviour=behaviour,
                     details={"parent_model": "", "format": "gguf", "family": family, "families": [family],
                              "parameter_size": parameter_size, "quantization_level": quantization},
                     template="{{ .Prompt }}", system="", parameters={"stop": ["<|end|>"]})
        self.models[key(name)] = entry
        return sha(manifest)


class State:
    """What the fake Ollama holds: local models keyed by name key. Tests may read it."""

    def __init__(self, registry, version=VERSION, delay=0.0, chat_delay=0.0, gpu=False):
        self.lock = threading.Lock()
        self.registry = registry
        self.version = version
        self.delay = delay
        self.chat_delay = chat_delay  # seconds /api/chat waits before answering (a slow model)
        self.gpu = gpu  # /api/ps reports loaded models in VRAM
        self.chats = 0  # /api/chat requests answered
        self.loaded = {}  # name key -> expires_at of models loaded by a chat
        self.local = {}
        self.blobs = set()
        self.requests = []  # (method, path, body) of every call, for tests
        self.stop = threading.Event()

    def tags_entry(self, model):
        size = sum(blob[1] for blob in model["blobs"])
        return {"name": model["display"], "model": model["display"], "modified_at": model["modified_at"],
                "size": size, "digest": sha(model["manifest"]), "details": model["details"]}


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 like Go's server: streams go out with chunked transfer encoding, one flush per line.
    protocol_version = "HTTP/1.1"
    server_version = "ollama-standin"
    streaming = False

    def log_message(self, *args):
        pass

    @property
    def state(self):
        return self.server.state

    # -- plumbing ------------------------------------------------------------------

    def handle_any(self, method):
        path = urlsplit(self.path).path.rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.state.requests.append((method, path, raw.decode("utf-8", "replace")))
        route = ROUTES.get((method, path))
        if route is None and method in ("GET", "HEAD") and path.startswith("/v2/"):
            route = registry_manifest
        if route is None:
            return self.send_json(404, {"error": "404 page not found"} if path.startswith("/api") else None)
        self.streaming = False
        try:
            route(self, path, raw)
        except Fail as exc:
            self.send_json(exc.status, {"error": exc.error})
        if self.streaming:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def do_GET(self):
        self.handle_any("GET")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def send_json(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def body(self, raw):
        if not raw:
            raise Fail(400, "missing request body")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise Fail(400, str(exc))
        if not isinstance(data, dict):
            raise Fail(400, "invalid request body")
        return data

    def start_stream(self):
        # Streaming answers are 200 from the first byte: errors come later as a line.
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.streaming = True

    def line(self, event):
        data = json.dumps(event).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def model_name(handler, data):
    name = data.get("model") or data.get("name") or ""
    try:
        return name, key(name)
    except BadName:
        raise Fail(400, "invalid model name")


def root(handler, path, raw):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", "17")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(b"Ollama is running")


def version(handler, path, raw):
    handler.send_json(200, {"version": handler.state.version})


def tags(handler, path, raw):
    state = handler.state
    with state.lock:
        models = sorted(state.local.values(), key=lambda m: m["modified_at"], reverse=True)
        handler.send_json(200, {"models": [state.tags_entry(m) for m in models]})


def ps(handler, path, raw):
    state = handler.state
    with state.lock:
        models = []
        for found, expires in state.loaded.items():
            model = state.local.get(found)
            if model is None:
                continue
            entry = state.tags_entry(model)
            entry.pop("modified_at")
            entry.update(expires_at=expires, size_vram=entry["size"] if state.gpu else 0, context_length=4096)
            models.append(entry)
    handler.send_json(200, {"models": models})


def chat_answer(messages, tools):
    """(content, tool_calls) of the stand-in's deterministic assistant."""
    users = [m for m in messages if m.get("role") == "user"]
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        name = last.get("tool_name") or "tool"
        return "tool %s said: %s" % (name, last.get("content", "")), None
    text = str(users[-1].get("content", "")) if users else ""
    if tools and "time" in text.lower():
        names = [(t.get("function") or {}).get("name", "") for t in tools]
        name = next((n for n in names if "time" in n.lower()), names[0])
        return "", [{"function": {"name": name, "arguments": {}}}]
    if text.strip().lower().startswith("recall"):
        earlier = [str(m.get("content", "")) for m in users[:-1]]
        return "recall: " + (" | ".join(earlier) if earlier else "(nothing)"), None
    return "echo: " + text, None


def chat(handler, path, raw):
    data = handler.body(raw)
    name, found = model_name(handler, data)
    state = handler.state
    messages = data.get("messages") or []
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise Fail(400, "invalid messages")
    with state.lock:
        if found not in state.local:
            raise Fail(404, "model %s not found, try pulling it first" % json.dumps(name))
        state.loaded[found] = (datetime.datetime.now(datetime.timezone.utc)
                               + datetime.timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    time.sleep(state.chat_delay)
    content, tool_calls = chat_answer(messages, data.get("tools") or [])
    with state.lock:
        state.chats += 1
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    last = {"model": name, "created_at": now(), "message": message, "done": True, "done_reason": "stop",
            "total_duration": int(state.chat_delay * 1e9) + 1000, "load_duration": 1000,
            "prompt_eval_count": sum(len(str(m.get("content", "")).split()) for m in messages),
            "prompt_eval_duration": 1000, "eval_count": len(content.split()) + 1, "eval_duration": 1000}
    if data.get("stream") is False:
        return handler.send_json(200, last)
    handler.start_stream()
    # Content comes word by word; the last line carries the tool calls (if any) and the counts.
    words = re.findall(r"\S+\s*|\s+", content)
    for word in words:
        handler.line({"model": name, "created_at": now(), "message": {"role": "assistant", "content": word},
                      "done": False})
    if words:
        last["message"] = dict(message, content="")
    handler.line(last)


def show(handler, path, raw):
    name, found = model_name(handler, handler.body(raw))
    state = handler.state
    with state.lock:
        model = state.local.get(found)
        if model is None:
            raise Fail(404, "model '%s' not found" % name)
        answer = {
            "modelfile": "# Modelfile generated by \"ollama show\"\nFROM %s\n" % model["display"],
            "parameters": parameters_text(model["parameters"]),
            "template": model["template"],
            "details": model["details"],
            "model_info": {"general.architecture": model["details"]["family"]},
            "capabilities": ["completion", "tools"],
            "modified_at": model["modified_at"],
        }
        if model["system"]:
            answer["system"] = model["system"]
        if model.get("messages"):
            answer["messages"] = model["messages"]
    handler.send_json(200, answer)


def delete(handler, path, raw):
    name, found = model_name(handler, handler.body(raw))
    with handler.state.lock:
        if handler.state.local.pop(found, None) is None:
            raise Fail(404, "model '%s' not found" % name)
    handler.send_response(200)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def pull(handler, path, raw):
    data = handler.body(raw)
    handler.start_stream()
    ok = do_pull(handler, data.get("model") or data.get("name") or "", bool(data.get("insecure")))
    if ok:
        handler.line({"status": "success"})


def do_pull(handler, name, insecure):
    """Stream the pull lines of one model; False after an error line."""
    state = handler.state
    handler.line({"status": "pulling manifest"})
    try:
        scheme, host, namespace, model, tag = parse(name)
    except BadName:
        handler.line({"error": "invalid model name"})
        return False
    if scheme == "http" and not insecure:
        handler.line({"error": "insecure protocol http"})
        return False
    found = key(name)
    remote = state.registry.models.get(found)
    if remote is None:
        handler.line({"error": "pull model manifest: file does not exist"})
        return False
    behaviour = remote["behaviour"]
    delay = behaviour.get("delay", state.delay)
    for index, (digest, size) in enumerate(remote["blobs"]):
        status = "pulling %s" % digest[7:19]
        if index == behaviour.get("fail_after"):
            handler.line({"error": "max retries exceeded: read tcp: connection reset by peer"})
            return False
        if digest in state.blobs:
            handler.line({"status": status, "digest": digest, "total": size, "completed": size})
            continue
        handler.line({"status": status, "digest": digest, "total": size})
        steps = 4 if size > MB else 1
        for step in range(1, steps + 1):
            if behaviour.get("stall") and index == 1 and step == 2:
                stall(handler, status, digest, size, size * (step - 1) // steps, behaviour["stall"])
                return False
            time.sleep(delay)
            handler.line({"status": status, "digest": digest, "total": size, "completed": size * step // steps})
        with state.lock:
            state.blobs.add(digest)
        handler.line({"status": "verifying sha256 digest"})
    handler.line({"status": "writing manifest"})
    with state.lock:
        old = state.local.get(found)
        stale = old and set(b[0] for b in old["blobs"]) - set(b[0] for b in remote["blobs"])
        state.local[found] = dict(
            display=old["display"] if old else display(host, namespace, model, tag),
            manifest=remote["manifest"], blobs=list(remote["blobs"]), details=dict(remote["details"]),
            template=remote["template"], system=remote["system"], parameters=dict(remote["parameters"]),
            modified_at=now())
    if stale:
        handler.line({"status": "removing unused layers"})
    return True


def stall(handler, status, digest, size, completed, mode):
    """Hang a download: silence on an open connection, or the same numbers again and again."""
    while not handler.state.stop.is_set():
        if mode == "repeat":
            handler.line({"status": status, "digest": digest, "total": size, "completed": completed})
        if handler.state.stop.wait(0.2):
            break


def create(handler, path, raw):
    data = handler.body(raw)
    name, found = model_name(handler, data)
    if not data.get("from") and not data.get("files"):
        raise Fail(400, "neither 'from' or 'files' was specified")
    if data.get("files"):
        raise Fail(400, "the stand-in creates models from 'from' only")
    state = handler.state
    try:
        base_key = key(data["from"])
    except BadName:
        raise Fail(400, "invalid model name")
    handler.start_stream()
    if base_key not in state.local:
        # parseFromModel pulls a missing base itself.
        if not do_pull(handler, data["from"], False):
            return
    base = state.local[base_key]
    handler.line({"status": "reading model metadata"})
    details = dict(base["details"], parent_model=data["from"])
    if data.get("quantize"):
        if base["details"]["quantization_level"] not in ("F16", "F32"):
            handler.line({"error": "quantization is only supported for F16 and F32 models"})
            return
        details["quantization_level"] = data["quantize"].upper()
    parameters = dict(base["parameters"])
    parameters.update(data.get("parameters") or {})
    system = data.get("system", base["system"])
    template = data.get("template", base["template"])
    messages = data.get("messages") or []
    blobs = list(base["blobs"])
    for kind, value in (("system", system), ("template", template), ("params", parameters), ("messages", messages)):
        digest = "sha256:" + sha(json.dumps(value, sort_keys=True).encode())
        if digest in state.blobs:
            handler.line({"status": "using already created layer %s" % digest})
        else:
            handler.line({"status": "creating %s layer" % kind})
            state.blobs.add(digest)
        blobs.append((digest, len(json.dumps(value))))
    for digest in [b[0] for b in base["blobs"]]:
        handler.line({"status": "using already created layer %s" % digest})
    handler.line({"status": "writing manifest"})
    manifest = json.dumps({"schemaVersion": 2, "layers": [{"digest": d, "size": s} for d, s in blobs]}).encode()
    scheme, host, namespace, model, tag = parse(name)
    with state.lock:
        old = state.local.get(found)
        state.local[found] = dict(
            display=old["display"] if old else display(host, namespace, model, tag), manifest=manifest,
            blobs=blobs, details=details, template=template, system=system, parameters=parameters,
            messages=messages, modified_at=now())
    handler.line({"status": "success"})


def registry_manifest(handler, path, raw):
    match = re.match(r"^/v2/([^/]+)/([^/]+)/manifests/([^/]+)$", path)
    host = handler.headers.get("Host") or HOST
    try:
        found = key("%s/%s/%s:%s" % (host, match.group(1), match.group(2), match.group(3))) if match else None
    except BadName:
        found = None
    remote = handler.state.registry.models.get(found) if found else None
    if remote is None and match:
        # The stand-in's registry also answers for the default host's models.
        remote = handler.state.registry.models.get((HOST,) + tuple(g.lower() for g in match.groups()))
    if remote is None:
        return handler.send_json(404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]})
    handler.send_response(200)
    handler.send_header("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
    handler.send_header("Content-Length", str(len(remote["manifest"])))
    handler.send_header("ollama-content-digest", "sha256:" + sha(remote["manifest"]))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(remote["manifest"])


ROUTES = {
    ("GET", "/"): root, ("HEAD", "/"): root,
    ("GET", "/api/version"): version, ("HEAD", "/api/version"): version,
    ("GET", "/api/tags"): tags, ("HEAD", "/api/tags"): tags,
    ("GET", "/api/ps"): ps,
    ("POST", "/api/show"): show,
    ("DELETE", "/api/delete"): delete,
    ("POST", "/api/pull"): pull,
    ("POST", "/api/create"): create,
    ("POST", "/api/chat"): chat,
}


class OllamaStandin:
    """The stand-in on 127.0.0.1 in a thread: `with OllamaStandin() as server:`."""

    def __init__(self, port=0, version=VERSION, delay=0.0, catalogue=None, chat_delay=0.0, gpu=False):
        self.registry = Registry()
        for name, spec in (catalogue or {}).items():
            self.registry.publish(name, **spec)
        self.state = State(self.registry, version=version, delay=delay, chat_delay=chat_delay, gpu=gpu)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = None

    def publish(self, name, **spec):
        return self.registry.publish(name, **spec)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.state.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between progress lines")
    parser.add_argument("--chat-delay", type=float, default=0.0, help="seconds /api/chat waits before answering")
    parser.add_argument("--gpu", action="store_true", help="report loaded models in VRAM (/api/ps size_vram)")
    parser.add_argument("--pid-file")
    args = parser.parse_args()
    server = OllamaStandin(port=args.port, delay=args.delay, catalogue=DEFAULT_CATALOGUE, chat_delay=args.chat_delay,
                           gpu=args.gpu)
    if args.pid_file:
        with open(args.pid_file, "w") as handle:
            handle.write(str(os.getpid()))
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
