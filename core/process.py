"""Is the process that wrote a file still running? (For stale scratch files and locks.)"""
from __future__ import annotations

import os
import sys
import time

WINDOWS_STALE_S = 2 * 24 * 3600  # no cheap liveness test there: trust age alone
_SLACK_S = 2.0


def process_alive(pid: int, since: float) -> bool:
    """True when process ``pid`` runs and started no later than ``since`` (a file's mtime):
    a process started after the file was written only reuses the id of its writer."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return time.time() - since < WINDOWS_STALE_S
    started = _linux_start_time(pid)
    if started is not None:
        return started <= since + _SLACK_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _linux_start_time(pid: int) -> float | None:
    """Start time (epoch seconds) of ``pid`` from /proc, or None when unknown/gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat, counted after the command name
        with open("/proc/stat", "rb") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith(b"btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None
