# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role's meta/argument_specs.yml passes the validation include_role runs before a role's first task.

ansible-core 2.19 templates the whole spec of the entry point (descriptions included) as task arguments of
the validate_argument_spec task it prepends to the role, and checks the role's variables (its defaults, those
of the roles it depends on) against it. The test builds a copy of the collection whose roles keep their meta/
and defaults/ but whose task files do nothing, and runs include_role on every entry point of every role in one
ansible-playbook run: what fails there fails the same way in a real play, before the role does anything.
The defaults written in the specs must also be the ones in defaults/main.yml (the raw values).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

from role_render import ROLES, load_yaml, role_defaults

REPO = os.path.dirname(ROLES)
BIN = os.path.dirname(sys.executable)
# A value of each type for the options an entry point requires and gives no default (include_role's caller
# passes them), e.g. stack's apply and tls.
SAMPLES = {"str": "sample", "path": "/tmp/sample", "raw": "sample", "int": 1, "float": 1.0, "bool": True,
           "dict": {}, "list": ["sample"]}


def specs():
    found = {}
    for path in sorted(glob.glob(os.path.join(ROLES, "*", "meta", "argument_specs.yml"))):
        role = os.path.basename(os.path.dirname(os.path.dirname(path)))
        found[role] = load_yaml(path).get("argument_specs") or {}
    return found


def walk_options(options, where):
    """(where, name, option) for every option, suboptions included."""
    for name, option in (options or {}).items():
        yield where, name, option
        yield from walk_options(option.get("options"), "%s.%s" % (where, name))


def required_arguments(options):
    arguments = {}
    for name, option in (options or {}).items():
        if option.get("required") and "default" not in option:
            if option.get("choices"):
                arguments[name] = option["choices"][0]
            else:
                arguments[name] = SAMPLES[option.get("type", "str")]
    return arguments


def test_every_role_has_specs_for_its_entry_points():
    every = specs()
    roles = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROLES, "*")) if os.path.isdir(p))
    assert sorted(every) == roles, "every role has a meta/argument_specs.yml"
    for role, entry_points in every.items():
        assert "main" in entry_points, role
        for entry in entry_points:
            if entry != "main":
                assert os.path.exists(os.path.join(ROLES, role, "tasks", entry + ".yml")), \
                    "%s: entry point %s has no tasks/%s.yml" % (role, entry, entry)


@pytest.mark.parametrize("role", sorted(specs()))
def test_no_template_markers_in_descriptions(role):
    """Descriptions are templated by the validation: a literal Jinja marker breaks the role."""
    for entry, spec in specs()[role].items():
        texts = [("short_description", spec.get("short_description", ""))]
        texts += [("description", spec.get("description", ""))]
        for where, name, option in walk_options(spec.get("options"), entry):
            texts.append(("%s.%s" % (where, name), option.get("description", "")))
        for where, text in texts:
            text = " ".join(text) if isinstance(text, list) else str(text)
            for marker in ("{{", "}}", "{%", "%}", "{#", "#}"):
                assert marker not in text, "%s %s: %r in %r" % (role, where, marker, text)


@pytest.mark.parametrize("role", sorted(specs()))
def test_spec_defaults_are_the_role_defaults(role):
    defaults = role_defaults(role)
    for entry, spec in specs()[role].items():
        for name, option in (spec.get("options") or {}).items():
            if "default" in option and name in defaults:
                assert option["default"] == defaults[name], (
                    "%s %s: argument_specs says default %r, defaults/main.yml %r"
                    % (role, entry, option["default"], defaults[name]))


def stub_collection(root):
    """A copy of the collection: roles with their meta/ and defaults/, every task file doing nothing."""
    collection = root / "ansible_collections" / "homelab" / "llm_stack"
    (collection / "meta").mkdir(parents=True)
    shutil.copy(os.path.join(REPO, "meta", "runtime.yml"), str(collection / "meta" / "runtime.yml"))
    for role in sorted(os.listdir(ROLES)):
        source = os.path.join(ROLES, role)
        for folder in ("meta", "defaults"):
            if os.path.isdir(os.path.join(source, folder)):
                shutil.copytree(os.path.join(source, folder), str(collection / "roles" / role / folder))
        (collection / "roles" / role / "tasks").mkdir(parents=True)
        for tasks in glob.glob(os.path.join(source, "tasks", "*.yml")):
            (collection / "roles" / role / "tasks" / os.path.basename(tasks)).write_text(
                "---\n- name: Nothing to do.\n  ansible.builtin.meta: noop\n")
    return root


def test_include_role_validation_passes_for_every_entry_point(tmp_path):
    collections = stub_collection(tmp_path / "collections")
    results = tmp_path / "results.json"
    fake_secrets = dict((name, "fake-secret-%s-0123456789" % name)
                        for name in load_yaml(os.path.join(ROLES, "secrets", "defaults", "main.yml"))["secrets_names"])
    tasks = []
    entries = []
    for role, entry_points in sorted(specs().items()):
        for entry, spec in sorted(entry_points.items()):
            label = "%s:%s" % (role, entry)
            entries.append(label)
            include = {"name": "homelab.llm_stack.%s" % role}
            if entry != "main":
                include["tasks_from"] = entry
            task = {"name": "Include %s." % label, "ansible.builtin.include_role": include}
            arguments = required_arguments(spec.get("options"))
            if arguments:
                task["vars"] = arguments
            tasks.append({"block": [
                task,
                {"name": "Passed %s." % label,
                 "ansible.builtin.set_fact": {"argspec_passed": "{{ argspec_passed + [%s] }}" % json.dumps(label)}},
            ], "rescue": [
                {"name": "Failed %s." % label,
                 "ansible.builtin.set_fact": {"argspec_failed": "{{ argspec_failed | combine({%s: ansible_failed_result.msg}) }}"
                                              % json.dumps(label)}},
            ]})
    # A control: an entry point called without its required options must land in the failures.
    tasks.append({"block": [{"name": "Include stack:tls without its options.",
                             "ansible.builtin.include_role": {"name": "homelab.llm_stack.stack", "tasks_from": "tls"}}],
                  "rescue": [{"name": "Failed as it should.", "ansible.builtin.set_fact": {
                      "argspec_failed": "{{ argspec_failed | combine({'control': ansible_failed_result.msg}) }}"}}]})
    tasks.append({"name": "Write the outcome.", "ansible.builtin.copy": {
        "dest": str(results), "mode": "0644",
        "content": "{{ {'passed': argspec_passed, 'failed': argspec_failed} | to_json }}"}})
    play = [{"hosts": "localhost", "gather_facts": True, "gather_subset": ["min"], "tasks": tasks,
             "vars": {"argspec_passed": [], "argspec_failed": {}, "llm_stack_secrets": fake_secrets}}]
    (tmp_path / "play.yml").write_text(json.dumps(play, indent=2))
    (tmp_path / "hosts.yml").write_text(
        "all:\n  children:\n    k3s_servers:\n      hosts:\n        localhost:\n          ansible_connection: local\n"
        "          ansible_python_interpreter: %s\n" % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), str(tmp_path / "play.yml")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=str(tmp_path), check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    outcome = json.loads(results.read_text())
    control = outcome["failed"].pop("control", "")
    assert "missing required arguments" in control and "stack_tls_secret" in control, control
    assert outcome["failed"] == {}, "\n".join("%s: %s" % item for item in sorted(outcome["failed"].items()))
    assert sorted(outcome["passed"]) == sorted(entries)
    for label in entries:
        role, entry = label.split(":")
        # The validation really ran (include_role names it after the entry point).
        assert "homelab.llm_stack.%s : Validating arguments against arg spec '%s'" % (role, entry) in output, label
