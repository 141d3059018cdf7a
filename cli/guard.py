"""The command boundary: every way out of a subcommand becomes an exit status and at most
one line on stderr. Sardine's errors exit 1 with their message, a cancel (Ctrl-C, SIGTERM,
SIGHUP) exits 130, and anything unexpected exits 1 with a pointer to a log file holding
the traceback (``core.failure``)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..core.failure import is_cancel, user_message

CANCELLED_STATUS = 130


def guarded(command: str, run: Callable[[argparse.Namespace], int | None],
            args: argparse.Namespace) -> int:
    """``run(args)``'s exit status, or ``report``'s for whatever it raised."""
    try:
        return int(run(args) or 0)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 (the boundary: nothing escapes as a traceback)
        return report(command, exc)


def report(command: str, exc: BaseException) -> int:
    """Write the one line for ``exc`` to stderr and return the exit status."""
    if is_cancel(exc):
        detail = "Cancelled; no output was written." if isinstance(exc, KeyboardInterrupt) \
            else str(exc)
        sys.stderr.write(f"{command}: {detail}\n")
        return CANCELLED_STATUS
    message, _log = user_message(exc, command)
    sys.stderr.write(f"{command}: error: {message}\n")
    return 1
