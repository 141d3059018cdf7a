"""Radar geometric distortion (foreshortening, layover, shadow) from a DEM: the codes
(``codes``), the range-line frame (``frame``), the mask of an array (``mask``) and of a whole
raster window by window (``raster``). Imports only core's raster and geometry helpers.

The codes are plain Python; the rest (scipy, rasterio) is imported on first use, so QGIS
can style masks and list algorithms at start-up without loading them.
"""
from __future__ import annotations

from ..lazy import lazy_getattr
from .codes import CODES, COLORS, FORESHORTENING, LAYOVER, LEGEND, NODATA, NONE, SHADOW

_LAZY = {"compute_distortion": ".mask", "local_incidence": ".mask",
         "write_distortion_raster": ".raster"}

__all__ = ["CODES", "COLORS", "FORESHORTENING", "LAYOVER", "LEGEND", "NODATA", "NONE", "SHADOW",
           *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY)
