# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render every role's manifest templates and check them.

For each role with templates/manifests/*.j2, the templates are rendered with
the role's defaults (plus the defaults of the roles it depends on), then once
per example inventory (its group_vars on top), then once per variant listed in
tests/manifests/variants/<role>.yml (e.g. GPU vs CPU). Every document is
validated strictly against the Kubernetes schemas of the pinned K3s minor, then
against the stack's own policies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

import kubernetes_validate
import pytest
import yaml

from manifest_policy import check_documents
from role_render import ROLES, load_yaml, render_text, role_defaults, templar, trusted

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VARIANTS = os.path.join(REPO, "tests", "manifests", "variants")


def inventory_vars(inventory):
    merged = {}
    base = os.path.join(REPO, "inventories", inventory, "group_vars")
    for path in sorted(glob.glob(os.path.join(base, "all.yml")) + glob.glob(os.path.join(base, "all", "*.yml"))):
        merged.update(load_yaml(path))
    return merged


def k8s_version():
    """Kubernetes version of the pinned K3s (k3s_version: v1.36.x+k3s1), as kubernetes-validate names it."""
    for path in glob.glob(os.path.join(ROLES, "*", "defaults", "main.yml")):
        version = load_yaml(path).get("k3s_version")
        if version:
            match = re.match(r"v?(\d+)\.(\d+)\.", str(version))
            return "%s.%s.0" % match.groups()
    return "1.36.0"


def fake_secrets(variables):
    """A distinct, recognisable value per secret the stack knows of."""
    engine = templar(variables)
    defaults = load_yaml(os.path.join(ROLES, "secrets", "defaults", "main.yml"))
    names = list(defaults["secrets_names"]) + list(engine.template(trusted(defaults["secrets_extra_names"])))
    return dict((name, "fake-secret-%s-0123456789" % name) for name in names)


def contexts():
    roles = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
                   for p in glob.glob(os.path.join(ROLES, "*", "templates", "manifests")))
    inventories = sorted(os.path.basename(p) for p in glob.glob(os.path.join(REPO, "inventories", "*")) if os.path.isdir(p))
    for role in roles:
        variants_file = os.path.join(VARIANTS, role + ".yml")
        variants = load_yaml(variants_file) if os.path.exists(variants_file) else {"default": {}}
        for source in ["role-defaults"] + ["inventory-" + i for i in inventories]:
            for variant in sorted(variants):
                yield pytest.param(role, source, variants[variant] or {}, id="%s-%s-%s" % (role, source, variant))


def render(role, source, extra):
    variables = role_defaults(role)
    if source.startswith("inventory-"):
        variables.update(inventory_vars(source[len("inventory-"):]))
    variables.update(extra)
    variables.setdefault("inventory_dir", os.path.join(REPO, "inventories", source.replace("inventory-", "")))
    secrets = fake_secrets(variables)
    variables["llm_stack_secrets"] = secrets
    engine = templar(variables)
    documents = []
    for path in sorted(glob.glob(os.path.join(ROLES, role, "templates", "manifests", "*.j2"))):
        for doc in yaml.safe_load_all(render_text(engine, path)):
            if doc:
                documents.append((os.path.basename(path), doc))
    return documents, secrets, variables


@pytest.mark.parametrize("role,source,extra", list(contexts()))
def test_manifests(role, source, extra):
    documents, secrets, variables = render(role, source, extra)
    assert documents, "%s renders no manifest" % role
    version = k8s_version()
    errors = []
    for name, doc in documents:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.utils.SchemaNotFoundError as exc:
            # CRDs (e.g. K3s's HelmChart) have no schema: they must at least name what they are.
            if not (doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name")):
                errors.append("%s: %s" % (name, exc))
        except kubernetes_validate.utils.ValidationError as exc:
            errors.append("%s %s/%s: %s at %s" % (
                name, doc.get("kind"), doc.get("metadata", {}).get("name"), exc.message,
                "/".join(str(p) for p in exc.path)))
    errors.extend(check_documents(documents, secrets, variables.get("llm_stack_namespace")))
    assert not errors, "\n".join(errors)
