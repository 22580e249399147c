# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The statefulset_storage_changes filter: quantities compared as Kubernetes does, one entry per changed template."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.llm_stack.plugins.filter.statefulset_storage_changes import FilterModule, quantity

CHANGES = FilterModule().filters()["statefulset_storage_changes"]


def statefulset(size, replicas=1, storage_class="local-path"):
    spec = {"resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"metadata": {"name": "rabbitmq"}, "spec": {"replicas": replicas, "volumeClaimTemplates": [
        {"metadata": {"name": "data"}, "spec": spec}]}}


@pytest.mark.parametrize("text,value", [("8Gi", 8 * 2 ** 30), ("1024Mi", 2 ** 30), ("500M", 5 * 10 ** 8),
                                        ("1e3", 1000), ("1.5Gi", 3 * 2 ** 29), ("100m", Decimal("0.1"))])
def test_quantities(text, value):
    assert quantity(text) == value


@pytest.mark.parametrize("text", ["5 gigs", "8GB", "", "Gi"])
def test_bad_quantity(text):
    with pytest.raises(AnsibleFilterError, match="not a Kubernetes quantity"):
        quantity(text)


def test_nothing_running_nothing_changes():
    assert CHANGES(statefulset("8Gi"), None) == []


def test_same_size_in_other_words_is_no_change():
    assert CHANGES(statefulset("1Gi"), statefulset("1024Mi")) == []


def test_growth_names_every_claim():
    assert CHANGES(statefulset("16Gi"), statefulset("8Gi", replicas=2)) == [{
        "template": "data", "current": "8Gi", "wanted": "16Gi", "grow": True, "storage_class": "local-path",
        "claims": ["data-rabbitmq-0", "data-rabbitmq-1"]}]


def test_shrink_and_default_class():
    change, = CHANGES(statefulset("4Gi", storage_class=None), statefulset("8Gi", storage_class=None))
    assert change["grow"] is False and change["storage_class"] is None
