# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_facts on sysfs/procfs fixture trees built per test (no GPU needed).

Each tree mimics what the kernel shows: sys/bus/pci/devices/<addr>/{vendor,device,class,driver -> ...},
proc/modules, proc/driver/nvidia/version, sys/firmware/efi/efivars/SecureBoot-*, and binaries on PATH.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import stat
from contextlib import redirect_stdout

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.llm_stack.plugins.module_utils import _gpu
from ansible_collections.homelab.llm_stack.plugins.modules import gpu_facts

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
RTX_4090 = ("0000:01:00.0", "0x10de", "0x2684", "0x030000")
TESLA_P4 = ("0000:02:00.0", "0x10de", "0x1bb3", "0x030200")
GPU_AUDIO = ("0000:01:00.1", "0x10de", "0x22ba", "0x040300")  # the HDMI audio function of the same card
INTEL_IGPU = ("0000:00:02.0", "0x8086", "0xa780", "0x030000")
SECURE_BOOT_GUID = "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"


def fixture_text(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def write(path, text, mode=None):
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, "w") as handle:
        handle.write(text)
    if mode:
        os.chmod(path, mode)


def build_tree(root, devices=(), driver=None, modules=(), version_file=None, smi_csv=None, smi_rc=0,
               secure_boot=None, toolkit=False):
    """A fake host under `root`; driver binds every NVIDIA device to that kernel driver."""
    root = str(root)
    for address, vendor, device, pci_class in devices:
        base = os.path.join(root, "sys/bus/pci/devices", address)
        write(os.path.join(base, "vendor"), vendor + "\n")
        write(os.path.join(base, "device"), device + "\n")
        write(os.path.join(base, "class"), pci_class + "\n")
        if driver and vendor == "0x10de":
            target = os.path.join(root, "sys/bus/pci/drivers", driver)
            if not os.path.isdir(target):
                os.makedirs(target)
            os.symlink(target, os.path.join(base, "driver"))
    write(os.path.join(root, "proc/modules"),
          "".join("%s 1234 0 - Live 0x0000000000000000\n" % m for m in ("ext4",) + tuple(modules)))
    if version_file:
        write(os.path.join(root, "proc/driver/nvidia/version"), fixture_text(version_file))
    if smi_csv is not None:
        script = "#!/bin/sh\ncat <<'EOF'\n%sEOF\nexit %d\n" % (smi_csv, smi_rc)
        write(os.path.join(root, "usr/bin/nvidia-smi"), script, stat.S_IRWXU)
    if secure_boot is not None:
        os.makedirs(os.path.join(root, "sys/firmware/efi/efivars"))
        with open(os.path.join(root, "sys/firmware/efi/efivars", SECURE_BOOT_GUID), "wb") as handle:
            handle.write(b"\x06\x00\x00\x00" + (b"\x01" if secure_boot else b"\x00"))
    if toolkit:
        write(os.path.join(root, "usr/bin/nvidia-container-runtime"), "#!/bin/sh\n", stat.S_IRWXU)
        write(os.path.join(root, "usr/bin/nvidia-ctk"),
              "#!/bin/sh\necho 'NVIDIA Container Toolkit CLI version 1.17.8'\necho 'commit: f202b80'\n", stat.S_IRWXU)
    return root


def run(args, check=False):
    """Run gpu_facts.main(); return the parsed result."""
    module_args = dict(args)
    module_args["_ansible_check_mode"] = check
    out = io.StringIO()
    with patch_module_args(module_args), redirect_stdout(out):
        with pytest.raises(SystemExit):
            gpu_facts.main()
    text = out.getvalue()
    return json.loads(text[text.index("{"):])


def gpu(root, **args):
    args["root"] = str(root)
    result = run(args)
    assert result["changed"] is False
    return result["ansible_facts"]["gpu"]


def test_no_gpu_at_all(tmp_path):
    root = build_tree(tmp_path, devices=[INTEL_IGPU], driver="i915", modules=("i915",))
    facts = gpu(root)
    assert facts["present"] is False and facts["count"] == 0 and facts["devices"] == []
    assert facts["status"] == "no_gpu"
    assert facts["driver_version"] is None and facts["driver_meets_minimum"] is False
    assert facts["secure_boot"] == {"enabled": False, "state": "no_efi"}
    assert facts["container_toolkit"]["installed"] is False


def test_empty_root_has_no_gpu(tmp_path):
    assert gpu(tmp_path)["status"] == "no_gpu"


def test_gpu_without_driver(tmp_path):
    root = build_tree(tmp_path, devices=[INTEL_IGPU, RTX_4090, GPU_AUDIO], driver="nouveau", modules=("nouveau", "drm"),
                      secure_boot=True)
    facts = gpu(root)
    assert facts["present"] is True and facts["count"] == 1, "the audio function and the Intel GPU are not GPUs"
    assert facts["devices"] == [{"pci_address": "0000:01:00.0", "vendor_id": "0x10de", "device_id": "0x2684",
                                 "pci_class": "0x030000", "driver": "nouveau"}]
    assert facts["status"] == "no_driver" and "no NVIDIA driver is loaded" in facts["message"]
    assert facts["nouveau_loaded"] is True and facts["kernel_modules"] == ["nouveau"]
    assert facts["secure_boot"] == {"enabled": True, "state": "enabled"}
    assert facts["nvidia_smi"] == {"path": None, "works": False, "error": "nvidia-smi is not installed"}


def test_driver_too_old(tmp_path):
    root = build_tree(tmp_path, devices=[TESLA_P4], driver="nvidia", modules=("nvidia", "nvidia_uvm"),
                      version_file="proc-driver-nvidia-version-535.txt", secure_boot=False)
    facts = gpu(root)
    assert facts["driver_version"] == "535.261.03" and facts["driver_branch"] == 535 and facts["driver_source"] == "proc"
    assert facts["driver_meets_minimum"] is False
    assert facts["status"] == "driver_too_old" and "550" in facts["message"]
    assert facts["secure_boot"]["state"] == "disabled"
    # The same driver passes a lower bar.
    assert gpu(root, min_driver_branch=535)["status"] != "driver_too_old"


def test_working_driver_with_nvidia_smi(tmp_path):
    root = build_tree(tmp_path, devices=[RTX_4090, TESLA_P4], driver="nvidia",
                      modules=("nvidia_uvm", "nvidia_modeset", "nvidia"),
                      version_file="proc-driver-nvidia-version-550.txt", smi_csv=fixture_text("nvidia-smi-query.csv"),
                      toolkit=True)
    facts = gpu(root)
    assert facts["status"] == "ready" and facts["driver_meets_minimum"] is True
    assert facts["driver_version"] == "550.163.01" and facts["driver_branch"] == 550
    assert facts["nvidia_smi"] == {"path": "/usr/bin/nvidia-smi", "works": True, "error": None}
    assert [g["name"] for g in facts["gpus"]] == ["NVIDIA GeForce RTX 4090", "Tesla P4"]
    assert facts["gpus"][0]["memory_total_mib"] == 24564 and facts["gpus"][1]["compute_capability"] == "6.1"
    assert facts["kernel_modules"] == ["nvidia", "nvidia_modeset", "nvidia_uvm"]
    assert facts["container_toolkit"] == {"installed": True, "runtime_path": "/usr/bin/nvidia-container-runtime",
                                          "ctk_version": "1.17.8"}


def test_driver_version_from_nvidia_smi_when_proc_is_missing(tmp_path):
    root = build_tree(tmp_path, devices=[RTX_4090], driver="nvidia", modules=("nvidia",),
                      smi_csv=fixture_text("nvidia-smi-query.csv"))
    facts = gpu(root)
    assert facts["driver_source"] == "nvidia-smi" and facts["driver_version"] == "550.163.01"
    assert facts["status"] == "ready"


def test_nvidia_smi_that_fails(tmp_path):
    root = build_tree(tmp_path, devices=[RTX_4090], driver="nvidia", modules=("nvidia",),
                      version_file="proc-driver-nvidia-version-550.txt",
                      smi_csv="NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", smi_rc=9)
    facts = gpu(root)
    assert facts["status"] == "nvidia_smi_failed"
    assert facts["nvidia_smi"]["works"] is False and "exit code 9" in facts["nvidia_smi"]["error"]
    assert facts["gpus"] == []


def test_check_mode_reports_the_same_and_changes_nothing(tmp_path):
    root = build_tree(tmp_path, devices=[TESLA_P4], driver="nvidia", modules=("nvidia",),
                      version_file="proc-driver-nvidia-version-535.txt")
    before = sorted(os.walk(root))
    result = run({"root": root}, check=True)
    assert result["changed"] is False and result["ansible_facts"]["gpu"]["status"] == "driver_too_old"
    assert sorted(os.walk(root)) == before


def test_unreadable_secure_boot_is_unknown(tmp_path):
    os.makedirs(os.path.join(str(tmp_path), "sys/firmware/efi/efivars"))
    assert gpu(tmp_path)["secure_boot"] == {"enabled": None, "state": "unknown"}


def test_bad_root_fails_clearly(tmp_path):
    result = run({"root": os.path.join(str(tmp_path), "missing")})
    assert result["failed"] is True and "is not a directory" in result["msg"]


@pytest.mark.parametrize("text,version", [
    (fixture_text("proc-driver-nvidia-version-550.txt"), "550.163.01"),
    (fixture_text("proc-driver-nvidia-version-535.txt"), "535.261.03"),
    ("GCC version: 12.2.0\n", None),
    ("", None),
])
def test_parse_driver_version(text, version):
    assert _gpu.parse_driver_version(text) == version


def test_parse_nvidia_smi_skips_malformed_lines():
    text = "not, a, gpu\n0, A100, GPU-x, 40960, 570.86.15, 8.0, 00000000:3B:00.0\nNo devices were found\n"
    expected = {"index": 0, "name": "A100", "uuid": "GPU-x", "memory_total_mib": 40960,
                "driver_version": "570.86.15", "compute_capability": "8.0", "pci_bus_id": "00000000:3B:00.0"}
    assert _gpu.parse_nvidia_smi(text) == [expected]
