# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The test cluster's volume provisioner, standing in for K3s's local-path provisioner: hostPath volumes in a
folder of the test cluster, for the StorageClasses whose provisioner is ``llm-stack.test/hostpath``.

- a PVC of such a class, once the scheduler picked its node (WaitForFirstConsumer), gets a PV bound to it
  (capacity = the request; a folder, mode 0777 as local-path makes them);
- a Released PV of ours (its PVC deleted, reclaim policy Delete) is deleted with its folder;
- a bound PVC whose request grew, in a class with allowVolumeExpansion, is resized (PV capacity and the PVC's
  status), as an external resizer would do it.

Run by tests/harness/kubernetes.py inside the cluster's namespaces:
``kubernetes_provisioner.py <api-url> <pki-dir> <client-name> <volumes-dir> <node>``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "collections"))
from ansible_collections.homelab.llm_stack.plugins.module_utils._api import ApiClient, ApiError  # noqa: E402

PROVISIONER = "llm-stack.test/hostpath"
MERGE = {"Content-Type": "application/merge-patch+json"}


class Provisioner:
    def __init__(self, api, volumes, node):
        self.api, self.volumes, self.node = api, volumes, node

    def items(self, path):
        return (self.api.get_json(path) or {}).get("items") or []

    def patch(self, path, body):
        self.api.request("PATCH", path, json_body=body, headers=MERGE)

    def once(self):
        classes = dict((sc["metadata"]["name"], sc) for sc in self.items("/apis/storage.k8s.io/v1/storageclasses")
                       if sc.get("provisioner") == PROVISIONER)
        volumes = dict((pv["metadata"]["name"], pv) for pv in self.items("/api/v1/persistentvolumes"))
        for pvc in self.items("/api/v1/persistentvolumeclaims"):
            meta, spec = pvc["metadata"], pvc["spec"]
            storage_class = classes.get(spec.get("storageClassName"))
            if storage_class is None:
                continue
            name = "pvc-" + meta["uid"]
            wanted = spec["resources"]["requests"]["storage"]
            if name not in volumes and pvc["status"].get("phase") == "Pending" and \
                    meta.get("annotations", {}).get("volume.kubernetes.io/selected-node"):
                self.create(name, pvc, wanted)
            elif name in volumes and pvc["status"].get("phase") == "Bound" and storage_class.get(
                    "allowVolumeExpansion") and (pvc["status"].get("capacity") or {}).get("storage") != wanted:
                self.resize(name, pvc, wanted)
        for name, pv in volumes.items():
            if pv["metadata"].get("annotations", {}).get("pv.kubernetes.io/provisioned-by") == PROVISIONER and \
                    pv["status"].get("phase") == "Released" and \
                    pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
                self.api.request("DELETE", "/api/v1/persistentvolumes/" + name, expected=(200, 202, 404))
                folder = pv["spec"]["hostPath"]["path"]
                if folder.startswith(self.volumes + os.sep):
                    _remove(folder)

    def create(self, name, pvc, size):
        meta = pvc["metadata"]
        folder = os.path.join(self.volumes, "%s_%s_%s" % (meta["namespace"], meta["name"], meta["uid"]))
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, 0o777)
        self.api.send_json("POST", "/api/v1/persistentvolumes", {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER}},
            "spec": {
                "capacity": {"storage": size}, "accessModes": pvc["spec"]["accessModes"],
                "persistentVolumeReclaimPolicy": "Delete", "storageClassName": pvc["spec"]["storageClassName"],
                "volumeMode": "Filesystem", "hostPath": {"path": folder, "type": "Directory"},
                "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": meta["namespace"],
                             "name": meta["name"], "uid": meta["uid"]},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "kubernetes.io/hostname", "operator": "In", "values": [self.node]}]}]}},
            }}, expected=(201, 409))

    def resize(self, name, pvc, size):
        meta = pvc["metadata"]
        self.patch("/api/v1/persistentvolumes/" + name, {"spec": {"capacity": {"storage": size}}})
        self.patch("/api/v1/namespaces/%s/persistentvolumeclaims/%s/status" % (meta["namespace"], meta["name"]),
                   {"status": {"capacity": {"storage": size}}})


def _remove(folder):
    for root, dirs, files in os.walk(folder, topdown=False):
        for entry in files:
            os.unlink(os.path.join(root, entry))
        for entry in dirs:
            path = os.path.join(root, entry)
            os.unlink(path) if os.path.islink(path) else os.rmdir(path)
    os.rmdir(folder)


def main(argv):
    api_url, pki, client, volumes, node = argv[1:6]
    api = ApiClient(api_url, ca_path=os.path.join(pki, "ca.crt"), timeout=10, retries=2)
    api.session.cert = (os.path.join(pki, client + ".crt"), os.path.join(pki, client + ".key"))
    provisioner = Provisioner(api, volumes, node)
    while True:
        try:
            provisioner.once()
        except ApiError as exc:
            sys.stderr.write("provisioner: %s\n" % exc)
            sys.stderr.flush()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
