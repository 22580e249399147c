# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NVIDIA GPU detection from sysfs, procfs and nvidia-smi output (internal collection use only).

Pure read-only helpers: every path is joined under `root`, so tests point them at a fixture tree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

NVIDIA_VENDOR = "0x10de"
# PCI base class 0x03: display controllers (0x0300 VGA, 0x0302 3D controller, 0x0380 other).
DISPLAY_CLASS = 0x03
# efivar holding the Secure Boot state: 4 bytes of attributes, then one byte 0/1.
SECURE_BOOT_VAR = "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
TOOLKIT_RUNTIMES = ("usr/local/nvidia/toolkit/nvidia-container-runtime", "usr/bin/nvidia-container-runtime")
SMI_FIELDS = ("index", "name", "uuid", "memory.total", "driver_version", "compute_cap", "pci.bus_id")
NVRM_VERSION = re.compile(r"^NVRM version:.*?\s(\d+\.\d+(?:\.\d+)?)\s", re.MULTILINE)


def under(root, path):
    """`path` (absolute or relative) inside `root`."""
    return os.path.join(root, path.lstrip("/"))


def read_text(root, path):
    """Contents of root/path stripped, or None when it cannot be read."""
    try:
        with open(under(root, path)) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


def pci_devices(root):
    """NVIDIA display/3D controllers under root/sys/bus/pci/devices, sorted by address."""
    base = under(root, "sys/bus/pci/devices")
    found = []
    for address in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        rel = "sys/bus/pci/devices/" + address
        vendor = (read_text(root, rel + "/vendor") or "").lower()
        pci_class = read_text(root, rel + "/class") or "0x0"
        try:
            base_class = int(pci_class, 16) >> 16
        except ValueError:
            continue
        if vendor != NVIDIA_VENDOR or base_class != DISPLAY_CLASS:
            continue
        driver_link = under(root, rel + "/driver")
        driver = os.path.basename(os.readlink(driver_link)) if os.path.islink(driver_link) else None
        found.append(dict(pci_address=address, vendor_id=vendor, device_id=(read_text(root, rel + "/device") or "").lower(),
                          pci_class=pci_class.lower(), driver=driver))
    return found


def parse_driver_version(text):
    """Kernel module version from /proc/driver/nvidia/version, or None."""
    match = NVRM_VERSION.search(text or "")
    return match.group(1) if match else None


def driver_branch(version):
    """Major branch (int) of a driver version such as 550.54.14, or None."""
    match = re.match(r"(\d+)\.", version or "")
    return int(match.group(1)) if match else None


def parse_memory_mib(value):
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else None


def parse_nvidia_smi(text):
    """GPUs from `nvidia-smi --query-gpu=<SMI_FIELDS> --format=csv,noheader,nounits`."""
    gpus = []
    for line in (text or "").splitlines():
        cells = [cell.strip() for cell in line.split(",")]
        if len(cells) != len(SMI_FIELDS):
            continue
        row = dict(zip(SMI_FIELDS, cells))
        try:
            index = int(row["index"])
        except ValueError:
            continue
        gpus.append(dict(index=index, name=row["name"], uuid=row["uuid"], memory_total_mib=parse_memory_mib(row["memory.total"]),
                         driver_version=row["driver_version"], compute_capability=row["compute_cap"],
                         pci_bus_id=row["pci.bus_id"]))
    return gpus


def secure_boot(root):
    """Secure Boot state: enabled (bool or None when unknown) and a state word."""
    if not os.path.isdir(under(root, "sys/firmware/efi")):
        return dict(enabled=False, state="no_efi")
    try:
        with open(under(root, SECURE_BOOT_VAR), "rb") as handle:
            data = handle.read()
    except (IOError, OSError):
        return dict(enabled=None, state="unknown")
    if len(data) < 5:
        return dict(enabled=None, state="unknown")
    enabled = bytearray(data)[4] == 1
    return dict(enabled=enabled, state="enabled" if enabled else "disabled")


def loaded_modules(root):
    """Names of the loaded kernel modules (root/proc/modules)."""
    return [line.split()[0] for line in (read_text(root, "proc/modules") or "").splitlines() if line.strip()]


def find_binary(root, name, search_path):
    """First executable root/<dir>/name for dir in search_path (a PATH string), or None."""
    for directory in [d for d in (search_path or "").split(os.pathsep) if d]:
        candidate = under(root, os.path.join(directory, name))
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def toolkit_runtime(root):
    """Path (inside root) of nvidia-container-runtime where K3s looks for it, or None."""
    for rel in TOOLKIT_RUNTIMES:
        if os.path.isfile(under(root, rel)):
            return "/" + rel
    return None


def status(devices, driver_version, min_branch, smi_error):
    """One word for the host's GPU state and a sentence that says what to do."""
    if not devices:
        return "no_gpu", "No NVIDIA GPU on the PCI bus: the GPU steps are skipped on this host."
    if not driver_version:
        return "no_driver", "%d NVIDIA GPU(s) found, but no NVIDIA driver is loaded." % len(devices)
    branch = driver_branch(driver_version)
    if branch is None or branch < min_branch:
        return "driver_too_old", ("NVIDIA driver %s is loaded; branch %d or newer is needed (Ollama's minimum)."
                                  % (driver_version, min_branch))
    if smi_error:
        return "nvidia_smi_failed", "NVIDIA driver %s is loaded, but nvidia-smi failed: %s" % (driver_version, smi_error)
    return "ready", "NVIDIA driver %s is loaded and nvidia-smi lists the GPU(s)." % driver_version
