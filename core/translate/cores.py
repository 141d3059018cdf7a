"""CPU cores this process may use (no torch: shared by both runtimes)."""
from __future__ import annotations

import os

from ..errors import InputError

# Far past any gain (the usable cores are the default) and well below what makes PyTorch's
# thread pool crash the process (100000 threads: a segmentation fault, not an error).
MAX_THREADS = max(256, 4 * (os.cpu_count() or 1))


def usable_cores() -> int:
    """CPU cores this process may run on (respects taskset/cgroup affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_threads(threads: int | None) -> None:
    """Refuse a CPU thread count below 1 or absurdly high (None: the usable cores)."""
    if threads is None:
        return
    if not 1 <= int(threads) <= MAX_THREADS:
        raise InputError(f"The thread count {threads} must be from 1 to {MAX_THREADS} (this "
                         f"machine lets Sardine use {usable_cores()} cores; leave it unset "
                         "to use them all).")
