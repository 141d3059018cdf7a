"""Process-wide resources the engine touches, each scoped to one call: QGIS shares the
process, so nothing here may outlive the translation that asked for it."""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from rasterio.env import get_gdal_config, set_gdal_config


@contextmanager
def gdal_cache(limit_bytes: int) -> Iterator[None]:
    """Cap GDAL's block cache at ``limit_bytes`` (bytes: rasterio passes GDAL_CACHEMAX to
    GDALSetCacheMax64) for the duration of the block, then put the previous size back.
    Never raises the cap: a smaller cache somebody else chose stays."""
    previous = get_gdal_config("GDAL_CACHEMAX")
    try:
        previous = int(previous)
    except (TypeError, ValueError):
        previous = None
    if previous is not None and previous <= limit_bytes:
        yield
        return
    set_gdal_config("GDAL_CACHEMAX", int(limit_bytes))
    try:
        yield
    finally:
        if previous is not None:
            set_gdal_config("GDAL_CACHEMAX", previous)


@lru_cache(maxsize=1)
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and others: nothing to trim
        return None


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system.

    The engine frees a few-MiB numpy buffer per block from three threads; glibc keeps such
    freed blocks in per-thread arenas, so resident memory would creep up with the raster.
    Trimming after each block returns them, and unlike ``mallopt`` it changes no setting
    that the rest of the process (QGIS) lives with afterwards."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
