"""Any exception -> one line a user can act on, shared by the CLI and the QGIS task.

Sardine's own errors already carry that line. Operating-system errors (a full disk, a
read-only mount, a name over the file system's limit) are named for what they are. Anything
else is a bug: the user gets a short line and the path of a log file holding the
traceback, written to the user's cache folder (never the working directory).
"""
from __future__ import annotations

import errno
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .errors import Cancelled, SardineError
from .version import __version__

KEEP_LOGS = 20

_OS_FIXES = {
    errno.ENOSPC: "the disk is full; free some space or write to another disk",
    errno.EDQUOT: "your disk quota is used up; free some space or write elsewhere",
    errno.EROFS: "the file system is read-only; choose an output folder you can write to",
    errno.EACCES: "permission denied; choose a folder you can write to, or fix its "
                  "permissions",
    errno.EPERM: "the operation is not permitted there; choose another folder",
    errno.ENAMETOOLONG: "the file name is longer than the file system allows; use a "
                        "shorter name",
    errno.ENOENT: "no such file or folder; check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EISDIR: "it is a folder, not a file; give a file name",
    errno.EIO: "the disk reported an input/output error; check the disk or copy the data "
               "elsewhere",
    errno.ENOMEM: "the system is out of memory; close other programs or use a smaller "
                  "--tile/--batch",
}


def log_dir() -> Path:
    """``$XDG_CACHE_HOME/sardine/logs`` (``~/.cache/sardine/logs``; on Windows
    ``%LOCALAPPDATA%/sardine/logs``)."""
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else None)
    root = Path(base) if base else Path.home() / ".cache"
    return root / "sardine" / "logs"


def write_log(exc: BaseException, context: str) -> Path | None:
    """Write the traceback of ``exc`` to a new log file; None when nothing can be written."""
    text = (f"sardine {__version__} | {context}\npython {sys.version.split()[0]} | "
            f"{platform.platform()}\nargv: {sys.argv!r}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (log_dir(), Path(tempfile.gettempdir()) / "sardine-logs"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"error-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
        except OSError:
            continue
        _prune(folder)
        return path
    return None


def _prune(folder: Path) -> None:
    try:
        logs = sorted(folder.glob("error-*.log"), key=lambda p: p.stat().st_mtime)
        for old in logs[:-KEEP_LOGS]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def os_error_message(exc: OSError) -> str:
    """One line for an operating-system error: what failed, where, and what to do."""
    where = exc.filename if exc.filename is not None else None
    fix = _OS_FIXES.get(exc.errno or -1)
    reason = exc.strerror or str(exc) or type(exc).__name__
    line = f"{reason}" + (f": {where}" if where else "")
    return f"{line} ({fix})." if fix else f"{line}."


def _gdal_message(exc: BaseException) -> str | None:
    """rasterio's GDAL errors (``CPLE_*``, ``RasterioIOError``): GDAL's text, which names
    the file and the failure (often a full disk or an unreadable block). rasterio often
    raises "Read failed. See previous exception for details." from GDAL's own error (a
    file a VRT points at is missing): that earlier, specific text is the one shown."""
    module = type(exc).__module__ or ""
    if not module.startswith("rasterio"):
        return None
    texts = _gdal_texts(exc)
    specific = [t for t in texts if t.rstrip(".").lower() not in _VAGUE]
    text = specific[-1] if specific else (texts or [type(exc).__name__])[0]
    lowered = " ".join(texts).lower()
    if "no space" in lowered or "disk full" in lowered or "could not write" in lowered:
        return (f"GDAL could not write ({text}); the disk is probably full: free some "
                "space or write to another disk.")
    return (f"GDAL failed: {text.rstrip('.')}. Check that the files (and any file a VRT "
            "refers to) exist, are complete and readable.")


def _gdal_texts(exc: BaseException) -> list[str]:
    """The messages along ``exc``'s chain of GDAL errors, outermost first."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (type(current).__module__ or "").startswith("rasterio"):
            text = str(current).strip()
            text = text.replace("See previous exception for details.", "").strip()
            if text:
                texts.append(text)
        current = current.__cause__ or current.__context__
    return texts


_VAGUE = {"read failed", "write failed", "open failed"}


def user_message(exc: BaseException, context: str) -> tuple[str, Path | None]:
    """The one line to show for ``exc`` and, for an unexpected error, the log written."""
    if isinstance(exc, SardineError):
        return str(exc), None
    if isinstance(exc, MemoryError) or _allocation_failed(exc):
        return ("Out of memory; close other programs, or use a smaller tile or batch size.",
                None)
    gdal = _gdal_message(exc)
    if gdal is not None:
        return gdal, None
    if isinstance(exc, OSError):
        return os_error_message(exc), None
    log = write_log(exc, context)
    where = f"the details are in {log}" if log else "no log could be written"
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return (f"unexpected internal error ({type(exc).__name__}"
            + (f": {detail}" if detail else "") + f"); {where}. Please report it with that "
            "file.", log)


def _allocation_failed(exc: BaseException) -> bool:
    """PyTorch's CPU allocator raises RuntimeError, not MemoryError, when memory runs out."""
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("can't allocate memory" in text
                                              or "out of memory" in text)


def is_cancel(exc: BaseException) -> bool:
    return isinstance(exc, (Cancelled, KeyboardInterrupt))
