"""The QGIS side of the top-level guard: an error that escapes an algorithm becomes one
line in the dock / Processing log; an unexpected one also leaves its traceback in a log file
(``core.failure``) that the line points to."""
from __future__ import annotations

from ..core.failure import user_message


def task_error_message(exc: BaseException) -> str:
    """The line QGIS shows for ``exc`` (operating-system errors named; bugs logged)."""
    message, _log = user_message(exc, "QGIS Processing")
    return message
