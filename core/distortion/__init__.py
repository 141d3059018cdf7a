"""Radar geometric distortion (foreshortening, layover, shadow) from a DEM: the codes
(``codes``), the range-line frame (``frame``), the mask of an array (``mask``) and of a whole
raster window by window (``raster``). Imports only core's raster and geometry helpers."""
from .codes import CODES, COLORS, FORESHORTENING, LAYOVER, LEGEND, NODATA, NONE, SHADOW
from .mask import compute_distortion, local_incidence
from .raster import write_distortion_raster

__all__ = ["CODES", "COLORS", "FORESHORTENING", "LAYOVER", "LEGEND", "NODATA", "NONE", "SHADOW",
           "compute_distortion", "local_incidence", "write_distortion_raster"]
