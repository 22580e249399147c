# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a role's templates the way Ansible does, outside a play: the role's defaults (and those of the
roles it depends on) as variables, Ansible's own templar, strings trusted like role and inventory files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "roles")


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def trusted(value):
    """Mark strings as templates, the way Ansible trusts inventory and role files."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((k, trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return value


def role_defaults(role, seen=None):
    """Defaults of a role and of the roles it depends on (dependencies first)."""
    seen = seen if seen is not None else set()
    if role in seen:
        return {}
    seen.add(role)
    merged = {}
    meta = os.path.join(ROLES, role, "meta", "main.yml")
    for dep in (load_yaml(meta).get("dependencies") or []) if os.path.exists(meta) else []:
        name = dep["role"] if isinstance(dep, dict) else dep
        merged.update(role_defaults(name.split(".")[-1], seen))
    for path in sorted(glob.glob(os.path.join(ROLES, role, "defaults", "main*.yml"))):
        merged.update(load_yaml(path))
    return merged


def templar(variables):
    return Templar(loader=DataLoader(), variables=trusted(variables))


def render_text(engine, path):
    """One template file rendered by `engine` (from templar())."""
    with open(path) as handle:
        return engine.template(trust_as_template(handle.read()))
