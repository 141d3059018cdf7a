"""SIGTERM and SIGHUP (``timeout``, a closed terminal, a batch scheduler) cancel a run like
Ctrl-C: the running command's SIGINT handler is called, so the core stops at its next
check and removes its partial outputs, and the command exits with status 130. While the
command is still starting (importing), any of the three ends it at once with one line and
status 130: nothing exists yet to remove."""
from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
import time
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
    """Route SIGTERM/SIGHUP to whatever handles SIGINT at the time they arrive, and keep a
    cancel that lands where Python cannot raise from (below) from being lost."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in TERMINATING:
        signal.signal(sig, _forward)
    if sys.unraisablehook is not _redeliver_interrupt:
        global _previous_unraisablehook
        _previous_unraisablehook = sys.unraisablehook
        sys.unraisablehook = _redeliver_interrupt


_previous_unraisablehook = sys.unraisablehook


def _redeliver_interrupt(unraisable) -> None:
    """A KeyboardInterrupt raised inside a callback Python cannot raise from (a weakref or
    garbage-collector callback, ``__del__``: "Exception ignored in ...") would print a
    traceback and be dropped, so the run would go on as if never cancelled (seen with a
    SIGHUP that arrived inside an import's module-lock callback). Deliver it again, as a
    SIGINT from another thread a moment later: raised from here, in this hook, it would be
    dropped the same way."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        if not callable(signal.getsignal(signal.SIGINT)):  # ignored (started with nohup)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        threading.Thread(target=_interrupt_main_soon, daemon=True).start()
        return
    _previous_unraisablehook(unraisable)


def _interrupt_main_soon() -> None:
    time.sleep(0.01)  # the hook has long returned
    _thread.interrupt_main(signal.SIGINT)


def _cancelled_while_starting(signum: int, frame: FrameType | None) -> None:
    """Nothing exists yet to clean up: one line and status 130, not a traceback out of
    whichever import was running."""
    os.write(2, b"sardine: Cancelled while starting; nothing was written.\n")
    os._exit(130)


def cancel_while_starting() -> None:
    """While the ``sardine`` command imports its modules, Ctrl-C, SIGTERM and SIGHUP end it
    quietly. Only for the command itself (its own process); an import of ``sardine.cli``
    elsewhere (tests, another program) keeps its handlers."""
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if script != "sardine" or threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, *TERMINATING):
        signal.signal(sig, _cancelled_while_starting)
    release_cancel_signals()  # one that came during the re-exec is handled now


def hold_cancel_signals() -> None:
    """Block Ctrl-C, SIGTERM and SIGHUP (they wait, pending) in this thread."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *TERMINATING})


def release_cancel_signals() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, *TERMINATING})


def started() -> None:
    """From here Ctrl-C raises KeyboardInterrupt again, which the command's guard turns
    into a clean cancel (partial outputs removed, status 130)."""
    if threading.current_thread() is not threading.main_thread():
        return
    release_cancel_signals()
    if signal.getsignal(signal.SIGINT) is _cancelled_while_starting:
        signal.signal(signal.SIGINT, signal.default_int_handler)
