"""A tqdm progress bar wired into the core's Feedback; Ctrl-C cancels cleanly."""
from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from ..core.feedback import Feedback

log = logging.getLogger("sardine")


@contextmanager
def cli_feedback(description: str) -> Iterator[Feedback]:
    """Yield a Feedback drawing a bar on stderr; the first Ctrl-C asks the core to stop."""
    bar = tqdm(total=100, desc=description, unit="%", file=sys.stderr,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
               disable=None)
    stop = threading.Event()

    def on_progress(percent: float) -> None:
        bar.update(max(0.0, percent - bar.n))

    def on_warning(message: str) -> None:
        bar.write(f"warning: {message}", file=sys.stderr)

    def on_info(message: str) -> None:
        log.debug(message)

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        yield Feedback(on_progress=on_progress, on_info=on_info, on_warning=on_warning,
                       is_cancelled=stop.is_set)
    finally:
        bar.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
