#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ollama_model
short_description: Pull, update, create and delete models on an Ollama server
version_added: 0.1.0
description:
  - Converges models on an Ollama server over its REST API (no CLI, no C(kubectl exec)).
  - Names are compared the way Ollama compares them; V(llama3), V(llama3:latest), V(library/llama3:latest) and
    V(registry.ollama.ai/library/llama3:latest) are one model (see the P(homelab.llm_stack.ollama_model_name#filter) filter).
  - O(state=present) pulls a model only when it is missing and then makes no registry traffic.
    O(state=latest) pulls and reports a change only when the model's digest moved. O(state=absent) deletes.
  - With O(from), the model is created with the JSON C(/api/create) (Ollama 0.5.5 or later) and re-created
    only when the settings given differ from what C(/api/show) reports.
  - The pull stream is read line by line; an error line after HTTP 200 fails the task with Ollama's text, and a pull
    that makes no progress for O(stall_timeout) seconds fails. Bytes and layers are returned per model.
  - Runs under C(async) for very large models; O(progress_file) lets a play show percent and bytes while it runs.
  - Bad names fail before any request is made.
options:
  name:
    description:
      - Model name, C([host/][namespace/]model[:tag]). Required unless O(models) is given.
      - A C(@digest) suffix is refused; pin a tag instead.
    type: str
  state:
    description:
      - V(present) pulls (or creates) the model when missing.
      - V(latest) also pulls when it exists and reports a change only when the digest moved.
      - V(absent) deletes it.
    type: str
    choices: [present, absent, latest]
    default: present
  insecure:
    description:
      - Allow pulling from a registry over plain C(http://) (Ollama's C(insecure) pull flag).
    type: bool
    default: false
  from:
    description:
      - Create a custom model from this existing model (pulled by Ollama when missing).
      - The other create options (O(system), O(template), O(parameters), O(messages), O(quantize)) need it.
    type: str
  system:
    description:
      - System prompt of the created model.
    type: str
  template:
    description:
      - Prompt template (Go template) of the created model; the base model's when not set.
    type: str
  parameters:
    description:
      - Model parameters, e.g. C(temperature), C(num_ctx), C(stop) (a list).
      - Only the keys given are compared with the existing model.
    type: dict
  messages:
    description:
      - Example conversation stored in the created model.
    type: list
    elements: dict
    suboptions:
      role:
        description: V(system), V(user), V(assistant) or V(tool).
        type: str
        required: true
      content:
        description: Text of the message.
        type: str
        required: true
  quantize:
    description:
      - Quantize a non-quantized (FP16/FP32) base while creating, e.g. V(q4_K_M), V(q4_K_S), V(q8_0).
    type: str
  models:
    description:
      - Several models in one task; each item takes the options above (O(models[].name) required).
      - Converged in order, over one connection; mutually exclusive with O(name).
      - Two names that are one model for Ollama (V(llama3) and V(library/llama3:latest)) may not both be listed.
    type: list
    elements: dict
    suboptions:
      name:
        description: Model name.
        type: str
        required: true
      state:
        description: V(present), V(absent) or V(latest), as O(state).
        type: str
        choices: [present, absent, latest]
        default: present
      insecure:
        description: As O(insecure).
        type: bool
        default: false
      from:
        description: As O(from).
        type: str
      system:
        description: As O(system).
        type: str
      template:
        description: As O(template).
        type: str
      parameters:
        description: As O(parameters).
        type: dict
      messages:
        description: As O(messages).
        type: list
        elements: dict
        suboptions:
          role:
            description: V(system), V(user), V(assistant) or V(tool).
            type: str
            required: true
          content:
            description: Text of the message.
            type: str
            required: true
      quantize:
        description: As O(quantize).
        type: str
  stall_timeout:
    description:
      - Fail a pull or create that makes no progress (no new bytes, no new step) for this many seconds.
      - Also the longest wait for the next line of the stream.
      - V(0) waits for ever.
    type: int
    default: 300
  progress_file:
    description:
      - Path on the managed host where the module keeps a small JSON file with its progress (model, status,
        percent, bytes, layers), rewritten at most once a second while a pull runs.
      - Meant for a module started with C(async) and C(poll=0); a play reads the file to show progress.
    type: path
extends_documentation_fragment:
  - homelab.llm_stack.ollama
  - homelab.llm_stack.connection
  - homelab.llm_stack.attributes
  - homelab.llm_stack.attributes.action_group
attributes:
  check_mode:
    support: full
    details:
      - Nothing is pulled, created or deleted. For O(state=latest) the registry's manifest is read to tell whether
        the digest would move; when the registry cannot be reached the module assumes a pull would change it.
  diff_mode:
    support: full
    details:
      - Shows each model before and after (name, digest, size; the create settings for created models).
  idempotent:
    support: full
  action_group:
    membership: [homelab.llm_stack.ollama]
notes:
  - Ollama's API has no authentication; keep it on the cluster network.
seealso:
  - name: Ollama API
    description: The REST API this module uses.
    link: https://github.com/ollama/ollama/blob/main/docs/api.md
author:
  - homelab.llm_stack contributors (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Make sure a small chat model is there (no registry traffic when it is)
  homelab.llm_stack.ollama_model:
    name: qwen2.5:1.5b

- name: Converge several models in one task, against the Service
  homelab.llm_stack.ollama_model:
    api_url: http://10.43.0.20:11434
    models:
      - name: qwen2.5:1.5b
        state: latest
      - name: llama3.2:3b
      - name: old-model
        state: absent

- name: A custom assistant built on the base model
  homelab.llm_stack.ollama_model:
    name: homelab-assistant
    from: qwen2.5:1.5b
    system: You are the homelab's assistant. Answer briefly.
    parameters:
      temperature: 0.2
      num_ctx: 8192

- name: Pull a big model in the background and follow its progress file
  homelab.llm_stack.ollama_model:
    name: llama3.1:70b
    progress_file: /tmp/ollama-progress.json
  async: 7200
  poll: 0
  register: big_pull
"""

RETURN = r"""
changed:
  description: Whether any model was pulled to a new digest, created, re-created or deleted.
  returned: always
  type: bool
results:
  description: One entry per model, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The name as given.
      type: str
      sample: llama3
    model:
      description: The short name Ollama reports for it.
      type: str
      sample: llama3:latest
    changed:
      description: Whether this model changed.
      type: bool
    action:
      description: What was done (or would be in check mode), V(none), V(pull), V(update), V(create), V(recreate) or V(delete).
      type: str
      sample: pull
    digest:
      description: The model's manifest digest afterwards (before, in check mode); absent when it does not exist.
      type: str
      sample: 365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1
    drift:
      description: Create settings that differed from the existing model.
      type: list
      elements: str
      sample: [system]
    pull:
      description: Progress of the pull or create stream, when one ran.
      type: dict
      sample:
        status: success
        bytes_total: 986061892
        bytes_completed: 986061892
        percent: 100.0
        layers: 5
        layers_completed: 5
        seconds: 41.2
diff:
  description: Models before and after, keyed by name in the list form.
  returned: with C(--diff)
  type: dict
"""

from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiError
from ansible_collections.homelab.llm_stack.plugins.module_utils._module import ApiModule, Outcome, connection_argspec
from ansible_collections.homelab.llm_stack.plugins.module_utils._ollama import (
    CREATE_KEYS,
    MIN_CREATE_VERSION,
    InvalidName,
    OllamaClient,
    ProgressFile,
    definition_drift,
    definition_from_show,
    human_bytes,
    name_key,
    parse_name,
    registry_digest,
    shortest,
    version_tuple,
)

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent", "latest"]),
    insecure=dict(type="bool", default=False),
    system=dict(type="str"),
    template=dict(type="str"),
    parameters=dict(type="dict"),
    messages=dict(type="list", elements="dict", options=dict(
        role=dict(type="str", required=True),
        content=dict(type="str", required=True),
    )),
    quantize=dict(type="str"),
    **{"from": dict(type="str")}
)

EXTRA_SPEC = dict(
    stall_timeout=dict(type="int", default=300),
    progress_file=dict(type="path"),
)


def check_item(item):
    """Why an item cannot be converged, without asking the server (None when fine)."""
    try:
        parts = parse_name(item["name"])
    except InvalidName as exc:
        return str(exc)
    if parts["digest"]:
        return "%s: names with @digest are not supported; use a tag" % item["name"]
    create = [k for k in CREATE_KEYS if item.get(k) is not None]
    if create and item.get("from") is None:
        return "%s: %s need from (the base model)" % (item["name"], ", ".join(create))
    if create and item["state"] != "present":
        return "%s: create options (%s) go with state present only" % (item["name"], ", ".join(create))
    if item.get("from") is not None:
        try:
            parse_name(item["from"])
        except InvalidName as exc:
            return "%s: from: %s" % (item["name"], exc)
    return None


def model_view(entry):
    """What --diff shows of an existing model."""
    return {"model": entry.get("model") or entry.get("name"), "digest": entry.get("digest"), "size": entry.get("size")}


class Converger:
    """Converges one model at a time over one OllamaClient."""

    def __init__(self, module, client, progress):
        self.module = module
        self.client = client
        self.progress = progress
        self.check = module.check_mode
        self.server_version = None
        self.done = 0

    def __call__(self, item):
        parts = parse_name(item["name"])
        short = shortest(parts)
        self.progress.write(force=True, model=short, status="checking", text="checking", percent=0.0,
                            bytes_completed=0, bytes_total=0, layers=0, layers_completed=0)
        try:
            outcome = self.converge(item, parts, short)
        except ApiError as exc:
            self.progress.write(force=True, finished=True, failed=True, status="failed: %s" % exc)
            raise
        self.done += 1
        self.progress.write(force=True, models_done=self.done, status=outcome.action, text="done: %s" % outcome.action,
                            finished=self.done == self.progress.state["models_total"])
        return outcome

    def converge(self, item, parts, short):
        existing = self.client.find(item["name"])
        before = model_view(existing) if existing else None
        if item["state"] == "absent":
            if not existing:
                return Outcome(False, None, None, model=short)
            if not self.check:
                self.client.delete(existing.get("model") or item["name"])
            return Outcome(True, before, None, action="delete", model=short, digest=existing.get("digest"))
        if item.get("from") is not None:
            return self.create(item, short, existing)
        if existing and item["state"] == "present":
            return Outcome(False, before, before, model=short, digest=existing.get("digest"))
        if self.check:
            return self.predict_pull(item, parts, short, existing)
        summary = self.client.pull(item["name"], item["insecure"], self.module.params["stall_timeout"], self.report)
        pulled = self.client.find(item["name"])
        if pulled is None:
            raise ApiError("the pull reported success but /api/tags does not list the model")
        after = model_view(pulled)
        moved = before is None or before["digest"] != after["digest"]
        action = "none" if not moved else ("pull" if before is None else "update")
        return Outcome(moved, before, after, action=action, model=short, digest=pulled.get("digest"), pull=summary)

    def predict_pull(self, item, parts, short, existing):
        if not existing:
            return Outcome(True, None, {"model": short, "digest": None, "size": None}, action="pull", model=short)
        try:
            remote = registry_digest(parts, item["insecure"], self.module.params["validate_certs"],
                                     self.module.params["timeout"])
        except ApiError as exc:
            self.module.warn("%s: cannot read the registry's manifest (%s); assuming a pull would update it" % (short, exc))
            remote = None
        before = model_view(existing)
        if remote == existing.get("digest"):
            return Outcome(False, before, before, model=short, digest=remote)
        after = dict(before, digest=remote, size=None)
        return Outcome(True, before, after, action="update", model=short, digest=existing.get("digest"))

    def create(self, item, short, existing):
        desired = dict((k, item.get(k)) for k in CREATE_KEYS if item.get(k) is not None)
        before = None
        drift = sorted(desired)
        if existing:
            show = self.client.show(existing.get("model") or item["name"]) or {}
            current = definition_from_show(show)
            # Show only the settings the task manages; the rest is inherited from the base.
            before = dict((k, current.get(k)) for k in desired if k != "parameters")
            if "parameters" in desired:
                before["parameters"] = dict((k, current["parameters"].get(k)) for k in desired["parameters"])
            before["model"] = existing.get("model") or existing.get("name")
            drift = definition_drift(desired, current)
            if not drift:
                return Outcome(False, before, before, model=short, digest=existing.get("digest"))
        self.require_create_support()
        after = dict(desired, model=short)
        action = "recreate" if existing else "create"
        if self.check:
            return Outcome(True, before, after, action=action, model=short, drift=drift)
        summary = self.client.create(item["name"], desired, self.module.params["stall_timeout"], self.report)
        created = self.client.find(item["name"]) or {}
        return Outcome(True, before, after, action=action, model=short, drift=drift,
                       digest=created.get("digest"), pull=summary)

    def require_create_support(self):
        if self.server_version is None:
            self.server_version = self.client.version() or "unknown"
        found = version_tuple(self.server_version)
        if found is not None and found < MIN_CREATE_VERSION:
            raise ApiError("creating models needs Ollama %s or later (JSON /api/create); the server runs %s"
                           % (".".join(str(x) for x in MIN_CREATE_VERSION), self.server_version))

    def report(self, tracker):
        summary = tracker.summary()
        self.progress.write(status=tracker.status, percent=summary["percent"],
                            bytes_completed=summary["bytes_completed"], bytes_total=summary["bytes_total"],
                            layers=summary["layers"], layers_completed=summary["layers_completed"],
                            text="%s %s%% (%s of %s)" % (tracker.status, summary["percent"],
                                                         human_bytes(summary["bytes_completed"]),
                                                         human_bytes(summary["bytes_total"])))


def main():
    module = ApiModule(ITEM_SPEC, "models", connection_argspec("http://127.0.0.1:11434"), extra_spec=EXTRA_SPEC)
    items = module.items()
    problems = [p for p in (check_item(item) for item in items) if p]
    if problems:
        module.fail_json(msg="; ".join(problems))
    keys = [name_key(item["name"]) for item in items]
    same = sorted(set(item["name"] for item, key in zip(items, keys) if keys.count(key) > 1))
    if same:
        module.fail_json(msg="these names are one model for Ollama, list it once: %s" % ", ".join(same))
    if module.params["stall_timeout"] < 0:
        module.fail_json(msg="stall_timeout must be 0 (no limit) or a number of seconds")
    progress = ProgressFile(module.params["progress_file"], len(items))
    client = OllamaClient(module.client())
    module.converge(Converger(module, client, progress), items)


if __name__ == "__main__":
    main()
