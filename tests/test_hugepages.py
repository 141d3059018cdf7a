"""The ``sardine`` command re-runs itself once with glibc's huge-page tunable (see
cli/hugepages.py); the decision is checked here, the effect in docs/PERFORMANCE.md."""
from __future__ import annotations

import os
import subprocess

from conftest import SARDINE
from sardine.cli.hugepages import MARKER, TUNABLE, hugepage_env, thp_mode


def test_tunable_added_once_and_kept_alongside_others():
    env = hugepage_env({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2", "A": "b"}, "madvise")
    assert env["GLIBC_TUNABLES"] == f"glibc.malloc.arena_max=2:{TUNABLE}" and env["A"] == "b"
    assert hugepage_env(env, "madvise") is None  # already re-run: never loops
    assert hugepage_env({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"}, "always") is None
    assert hugepage_env({}, "never") is None and hugepage_env({}, "") is None
    assert hugepage_env({}, "always")["GLIBC_TUNABLES"] == TUNABLE


def test_thp_mode_reads_the_kernel_setting(tmp_path):
    setting = tmp_path / "enabled"
    setting.write_text("always [madvise] never\n")
    assert thp_mode(setting) == "madvise"
    assert thp_mode(tmp_path / "missing") == ""


def test_the_command_still_runs_with_its_arguments():
    env = {k: v for k, v in os.environ.items() if k not in (MARKER, "GLIBC_TUNABLES")}
    proc = subprocess.run([str(SARDINE), "--version"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("sardine ")
