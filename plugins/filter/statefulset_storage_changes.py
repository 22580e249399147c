# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""statefulset_storage_changes: how a StatefulSet's volume claim sizes differ from the running one's
(docs in statefulset_storage_changes.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

from ansible.errors import AnsibleFilterError

# Kubernetes resource.Quantity suffixes (binary SI, decimal SI, decimal exponent).
SUFFIXES = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
            "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1, "k": 10 ** 3, "M": 10 ** 6,
            "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}
QUANTITY = re.compile(r"^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$")


def quantity(text):
    """A Kubernetes quantity ('8Gi', '500M', '1e9') as a Decimal number of units."""
    match = QUANTITY.match(str(text).strip())
    if not match:
        raise AnsibleFilterError("%r is not a Kubernetes quantity (like 8Gi or 500M)" % (text,))
    number, exponent, suffix = match.groups()
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise AnsibleFilterError("%r is not a Kubernetes quantity (like 8Gi or 500M)" % (text,))
    if exponent:
        return value * (Decimal(10) ** int(exponent[1:]))
    return value * Decimal(SUFFIXES[suffix or ""])


def _claim_sizes(statefulset):
    out = {}
    for template in ((statefulset or {}).get("spec") or {}).get("volumeClaimTemplates") or []:
        requests = ((template.get("spec") or {}).get("resources") or {}).get("requests") or {}
        if "storage" in requests:
            out[template["metadata"]["name"]] = (str(requests["storage"]), template["spec"].get("storageClassName"))
    return out


def statefulset_storage_changes(desired, existing):
    """One entry per volume claim template whose storage request differs between `desired` (the manifest) and
    `existing` (the StatefulSet the cluster runs; None when there is none)."""
    if not existing:
        return []
    current = _claim_sizes(existing)
    replicas = int((existing.get("spec") or {}).get("replicas", 1))
    name = existing["metadata"]["name"]
    changes = []
    for template, (wanted, storage_class) in sorted(_claim_sizes(desired).items()):
        if template not in current or quantity(current[template][0]) == quantity(wanted):
            continue
        changes.append({
            "template": template, "current": current[template][0], "wanted": wanted,
            "grow": quantity(wanted) > quantity(current[template][0]),
            "storage_class": storage_class or current[template][1],
            "claims": ["%s-%s-%d" % (template, name, ordinal) for ordinal in range(replicas)],
        })
    return changes


class FilterModule:
    def filters(self):
        return {"statefulset_storage_changes": statefulset_storage_changes}
