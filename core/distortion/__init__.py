"""Radar geometric distortion (foreshortening, layover, shadow) from a DEM: the codes
(``codes``), the range-line frame (``frame``), the mask of an array (``mask``) and of a whole
raster window by window (``raster``). Imports only core's raster and geometry helpers.

The codes are plain Python; the rest (scipy, rasterio) is imported on first use, so QGIS
can style masks and list algorithms at start-up without loading them.
"""
from __future__ import annotations

import importlib
from typing import Any

from .codes import CODES, COLORS, FORESHORTENING, LAYOVER, LEGEND, NODATA, NONE, SHADOW

_LAZY = {"compute_distortion": ".mask", "local_incidence": ".mask",
         "write_distortion_raster": ".raster"}

__all__ = ["CODES", "COLORS", "FORESHORTENING", "LAYOVER", "LEGEND", "NODATA", "NONE", "SHADOW",
           *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
