"""One progress/cancel/warning channel shared by the CLI (tqdm) and QGIS (QgsFeedback)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import Cancelled

log = logging.getLogger("sardine")


def _noop_progress(_percent: float) -> None:
    return None


def _never() -> bool:
    return False


@dataclass
class Feedback:
    """Callbacks the core calls; front ends supply their own.

    ``on_progress`` receives a percentage in [0, 100] that never goes back.
    ``is_cancelled`` is polled between windows; ``check_cancelled`` raises ``Cancelled``.
    """

    on_progress: Callable[[float], None] = _noop_progress
    on_info: Callable[[str], None] = log.info
    on_warning: Callable[[str], None] = log.warning
    is_cancelled: Callable[[], bool] = _never
    warnings: list[str] = field(default_factory=list)
    _last: float = field(default=0.0, repr=False)

    def progress(self, percent: float) -> None:
        percent = max(self._last, min(100.0, float(percent)))
        self._last = percent
        self.on_progress(percent)

    def info(self, message: str) -> None:
        self.on_info(message)

    def warning(self, message: str) -> None:
        self.warnings.append(message)
        self.on_warning(message)

    def check_cancelled(self) -> None:
        if self.is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
