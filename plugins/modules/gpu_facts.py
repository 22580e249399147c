#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gpu_facts
short_description: Detect NVIDIA GPUs, the loaded driver, Secure Boot and the container toolkit
version_added: 0.1.0
description:
  - Reads the PCI devices from sysfs (vendor C(0x10de), display or 3D controller class), the loaded kernel
    driver version (C(/proc/driver/nvidia/version), else C(nvidia-smi)), the GPU names and memory when
    C(nvidia-smi) works, the Secure Boot state (EFI variable) and whether C(nvidia-container-runtime) is where
    K3s looks for it.
  - Returns them as the fact C(gpu). Read-only; it changes nothing, in check mode or not.
  - A host without an NVIDIA GPU is not an error; the fact says so (RV(ansible_facts.gpu.status=no_gpu)).
options:
  root:
    description:
      - Directory under which every sysfs, procfs and binary path is read (C(/sys/...), C(/proc/...), C(PATH) entries).
      - Tests point it at a fixture tree; leave it at C(/) on real hosts.
    type: path
    default: /
  min_driver_branch:
    description:
      - Oldest driver branch that counts as usable (Ollama needs 550 or newer).
    type: int
    default: 550
  nvidia_smi_timeout:
    description: Seconds C(nvidia-smi) may take before it counts as failed (a wedged GPU can hang it).
    type: int
    default: 30
extends_documentation_fragment:
  - homelab.llm_stack.attributes
  - homelab.llm_stack.attributes.facts
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
  facts:
    support: full
author:
  - homelab.llm_stack contributors (@homelab)
seealso:
  - name: NVIDIA device plugin
    description: Needs a driver, the container toolkit and the nvidia RuntimeClass.
    link: https://github.com/NVIDIA/k8s-device-plugin
"""

EXAMPLES = r"""
- name: Detect the GPU.
  homelab.llm_stack.gpu_facts:

- name: Stop when the driver is too old for Ollama.
  ansible.builtin.assert:
    that: ansible_facts.gpu.status in ['no_gpu', 'ready']
    fail_msg: "{{ ansible_facts.gpu.message }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to the host's facts.
  returned: always
  type: dict
  contains:
    gpu:
      description: The host's NVIDIA GPU state.
      returned: always
      type: dict
      contains:
        present:
          description: At least one NVIDIA display or 3D controller is on the PCI bus.
          type: bool
          sample: true
        count:
          description: Number of NVIDIA GPUs on the PCI bus.
          type: int
          sample: 1
        devices:
          description: The NVIDIA GPUs from sysfs, with the kernel driver bound to each (null when none).
          type: list
          elements: dict
          sample: [{"pci_address": "0000:01:00.0", "vendor_id": "0x10de", "device_id": "0x2684",
                    "pci_class": "0x030000", "driver": "nvidia"}]
        driver_version:
          description: Version of the loaded NVIDIA kernel driver, null when none is loaded.
          type: str
          sample: "550.163.01"
        driver_branch:
          description: Major branch of RV(ansible_facts.gpu.driver_version).
          type: int
          sample: 550
        driver_source:
          description: Where the driver version was read (C(proc) or C(nvidia-smi)), null when not found.
          type: str
          sample: proc
        driver_meets_minimum:
          description: The loaded driver's branch is at least O(min_driver_branch).
          type: bool
          sample: true
        min_driver_branch:
          description: The minimum branch the check used.
          type: int
          sample: 550
        nvidia_smi:
          description: Path of C(nvidia-smi) (null when missing), whether it worked, and its error.
          type: dict
          sample: {"path": "/usr/bin/nvidia-smi", "works": true, "error": null}
        gpus:
          description: GPUs as C(nvidia-smi) lists them (empty when it does not work).
          type: list
          elements: dict
          sample: [{"index": 0, "name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-5c0a6b3e-0000-0000-0000-000000000000",
                    "memory_total_mib": 24564, "driver_version": "550.163.01", "compute_capability": "8.9",
                    "pci_bus_id": "00000000:01:00.0"}]
        kernel_modules:
          description: Loaded NVIDIA-related kernel modules (nvidia*, nouveau).
          type: list
          elements: str
          sample: ["nvidia", "nvidia_uvm", "nvidia_modeset"]
        nouveau_loaded:
          description: The open-source nouveau module is loaded (it blocks the NVIDIA driver).
          type: bool
          sample: false
        secure_boot:
          description: Secure Boot state; C(enabled) is null when it cannot be read, C(state) is one of
            C(enabled), C(disabled), C(no_efi) (legacy BIOS boot) or C(unknown).
          type: dict
          sample: {"enabled": false, "state": "disabled"}
        container_toolkit:
          description: Whether C(nvidia-container-runtime) is where K3s looks for it, and C(nvidia-ctk)'s version.
          type: dict
          sample: {"installed": true, "runtime_path": "/usr/bin/nvidia-container-runtime", "ctk_version": "1.17.8"}
        status:
          description: One of C(no_gpu), C(no_driver), C(driver_too_old), C(nvidia_smi_failed), C(ready).
          type: str
          sample: ready
        message:
          description: What the status means, as a sentence.
          type: str
          sample: NVIDIA driver 550.163.01 is loaded and nvidia-smi lists the GPU(s).
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.homelab.llm_stack.plugins.module_utils import _gpu

SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run_nvidia_smi(module, path):
    """(gpus, error) from nvidia-smi, bounded by coreutils timeout when the host has it."""
    command = [path, "--query-gpu=" + ",".join(_gpu.SMI_FIELDS), "--format=csv,noheader,nounits"]
    timeout = module.get_bin_path("timeout")
    if timeout:
        command = [timeout, str(module.params["nvidia_smi_timeout"])] + command
    rc, out, err = module.run_command(command)
    if rc != 0:
        return [], "exit code %d: %s" % (rc, (err or out).strip() or "no output")
    gpus = _gpu.parse_nvidia_smi(out)
    return gpus, (None if gpus else "it listed no GPU")


def ctk_version(module, root):
    path = _gpu.find_binary(root, "nvidia-ctk", SEARCH_PATH)
    if not path:
        return None
    rc, out, dummy = module.run_command([path, "--version"])
    match = re.search(r"version\s+(\d+\.\d+\.\d+)", out or "")
    return match.group(1) if rc == 0 and match else None


def gather(module):
    root = module.params["root"]
    min_branch = module.params["min_driver_branch"]
    devices = _gpu.pci_devices(root)
    modules = _gpu.loaded_modules(root)
    driver_version = _gpu.parse_driver_version(_gpu.read_text(root, "proc/driver/nvidia/version"))
    driver_source = "proc" if driver_version else None
    smi_path = _gpu.find_binary(root, "nvidia-smi", os.environ.get("PATH", "") + os.pathsep + SEARCH_PATH)
    gpus, smi_error = [], "nvidia-smi is not installed"
    if smi_path and devices:
        gpus, smi_error = run_nvidia_smi(module, smi_path)
    if not driver_version and gpus:
        driver_version, driver_source = gpus[0]["driver_version"], "nvidia-smi"
    branch = _gpu.driver_branch(driver_version)
    state, message = _gpu.status(devices, driver_version, min_branch, smi_error)
    runtime = _gpu.toolkit_runtime(root)
    return dict(
        present=bool(devices), count=len(devices), devices=devices,
        driver_version=driver_version, driver_branch=branch, driver_source=driver_source,
        driver_meets_minimum=branch is not None and branch >= min_branch, min_driver_branch=min_branch,
        nvidia_smi=dict(path=(("/" + os.path.relpath(smi_path, root)) if smi_path else None), works=bool(gpus),
                        error=None if gpus else smi_error),
        gpus=gpus,
        kernel_modules=sorted(m for m in modules if m.startswith("nvidia") or m == "nouveau"),
        nouveau_loaded="nouveau" in modules,
        secure_boot=_gpu.secure_boot(root),
        container_toolkit=dict(installed=runtime is not None, runtime_path=runtime, ctk_version=ctk_version(module, root)),
        status=state, message=message,
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", default="/"),
            min_driver_branch=dict(type="int", default=550),
            nvidia_smi_timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    if not os.path.isdir(module.params["root"]):
        module.fail_json(msg="root %s is not a directory" % module.params["root"])
    if module.params["min_driver_branch"] < 1 or module.params["nvidia_smi_timeout"] < 1:
        module.fail_json(msg="min_driver_branch and nvidia_smi_timeout must be positive")
    module.exit_json(changed=False, ansible_facts=dict(gpu=gather(module)))


if __name__ == "__main__":
    main()
