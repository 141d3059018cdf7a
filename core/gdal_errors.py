"""GDAL reports some write failures (a full disk, a file-size limit) only as logged errors:
the dataset closes "successfully" over a truncated file. ``watch_write_failures`` collects
them while an output is written, so the caller can refuse to publish that output."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

GDAL_LOGGER = "rasterio"  # rasterio._err and ._env log each GDAL CE_Failure (level INFO)
_WRITE = re.compile(r"write|seek|no space|too large|flush|disk", re.IGNORECASE)


class WriteFailures(logging.Handler):
    """Keeps the GDAL error messages that concern writing."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if _WRITE.search(message):
            self.messages.append(message)

    def error(self, out: Path) -> InputError:
        detail = self.messages[0].split("msg=", 1)[-1].strip("'")
        detail = detail.rsplit(".part", 1)[-1].split(": ", 1)[-1]  # our hidden file's name
        return InputError(f"Writing {out} failed ({detail}): the disk is probably full or "
                          "the file too large for it; free some space or write to another "
                          "disk. Nothing was written.")


@contextmanager
def watch_write_failures() -> Iterator[WriteFailures]:
    logger = logging.getLogger(GDAL_LOGGER)
    handler = WriteFailures()
    previous = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
