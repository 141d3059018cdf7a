"""Transparent huge pages for the model's activations, by re-running ``sardine`` once with
``GLIBC_TUNABLES=glibc.malloc.hugetlb=1`` (Linux, glibc 2.35 or newer, THP not disabled).

Why (docs/PERFORMANCE.md, "PyTorch's system time"): PyTorch allocates every activation of
every batch afresh, and glibc serves blocks that large with a new ``mmap``; the kernel then
faults in and zeroes each 4 KiB page on first touch (3.7 million minor faults for one
1024^2 full-width translation), which is why a CPU run spent as much time in the kernel as
in user code. With the tunable, glibc asks for huge pages on those mappings: 14x fewer
faults and about half the system time, at the same peak memory. The tunable must be in the
environment when the process starts, hence the one re-exec; child processes inherit it.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from .signals import hold_cancel_signals, release_cancel_signals

TUNABLE = "glibc.malloc.hugetlb=1"
MARKER = "SARDINE_HUGEPAGES"
THP_SETTING = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def thp_mode(setting: Path = THP_SETTING) -> str:
    """The kernel's THP mode (``always``, ``madvise`` or ``never``), or '' if unknown."""
    try:
        text = setting.read_text()
    except OSError:
        return ""
    return text[text.find("[") + 1:text.find("]")] if "[" in text else ""


def glibc_supports_hugetlb() -> bool:
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        major, minor = (int(v) for v in version.split(".")[:2])
    except (AttributeError, ValueError, OSError):
        return False
    return name == "glibc" and (major, minor) >= (2, 35)


def hugepage_env(environ: Mapping[str, str], mode: str) -> dict[str, str] | None:
    """The environment to run again with, or None when there is nothing to gain (already
    set, already re-run, or THP off)."""
    if environ.get(MARKER) or "glibc.malloc.hugetlb" in environ.get("GLIBC_TUNABLES", ""):
        return None
    if mode not in ("always", "madvise"):
        return None
    tunables = ":".join(filter(None, (environ.get("GLIBC_TUNABLES"), TUNABLE)))
    return {**environ, "GLIBC_TUNABLES": tunables, MARKER: "1"}


def reexec_with_hugepages() -> None:
    """Replace this ``sardine`` process by the same command with the tunable set (once)."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if (not sys.platform.startswith("linux") or script is None or script.name != "sardine"
            or not script.is_file() or not glibc_supports_hugetlb()):
        return
    env = hugepage_env(os.environ, thp_mode())
    if env is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        # Held across the exec (the mask survives it) until the new process can cancel
        # quietly; else a Ctrl-C in its first moments ends in a traceback (cli.signals).
        hold_cancel_signals()
        try:
            os.execve(sys.executable, [sys.executable, str(script), *sys.argv[1:]], env)
        except OSError:
            release_cancel_signals()
