"""SIGTERM and SIGHUP (``timeout``, a closed terminal, a batch scheduler) cancel a run like
Ctrl-C: the running command's SIGINT handler is called, so the core stops at its next
check and removes its partial outputs, and the command exits with status 130."""
from __future__ import annotations

import signal
import threading
from types import FrameType

TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                    if hasattr(signal, name))


def _forward(signum: int, frame: FrameType | None) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIG_IGN/SIG_DFL for SIGINT: still stop, through the guard's cleanup
        raise KeyboardInterrupt


def forward_termination_to_sigint() -> None:
    """Route SIGTERM/SIGHUP to whatever handles SIGINT at the time they arrive."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in TERMINATING:
        signal.signal(sig, _forward)
