"""Keep libtiff's own stderr lines ("_tiffWriteProc: File too large.") off the terminal.

GDAL hands libtiff a per-file error handler, but libtiff's I/O callbacks report through
the process-wide default one, which prints to stderr before Sardine's own message about
the same failure (a full disk, a file-size limit). GDAL still reports that failure through
its own error path, which ``core.gdal_errors`` watches, so nothing is lost. This changes a
process-wide setting, so only the ``sardine`` command calls it (it owns its process);
QGIS's GDAL and libtiff are left alone.
"""
from __future__ import annotations

import ctypes
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def loaded_libtiffs(maps: Path = Path("/proc/self/maps")) -> list[str]:
    """Paths of the libtiff libraries mapped into this process (Linux; [] elsewhere)."""
    try:
        text = maps.read_text()
    except OSError:
        return []
    found: list[str] = []
    for line in text.splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if "/libtiff" in path and ".so" in path and path not in found:
            found.append(path)
    return found


def silence_libtiff_stderr() -> int:
    """Remove libtiff's default stderr error handler in every libtiff rasterio loaded;
    returns how many were silenced."""
    import rasterio  # noqa: F401  (loads GDAL, and with it libtiff)

    silenced = 0
    for path in loaded_libtiffs():
        try:
            lib = ctypes.CDLL(path)  # already loaded: the same handle, nothing new mapped
            setter = lib.TIFFSetErrorHandler
        except (OSError, AttributeError) as exc:
            log.debug("libtiff at %s left as it is: %s", path, exc)
            continue
        setter.restype = ctypes.c_void_p
        setter.argtypes = [ctypes.c_void_p]
        setter(None)
        silenced += 1
    return silenced
