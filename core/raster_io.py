"""Small raster reading helpers shared by translation, previews and evaluation.

Everything reads windows: validity comes from the band's nodata value, NaN, or GDAL's
per-dataset mask / alpha band, so a pixel without data is never mistaken for a value.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import MaskFlags
from rasterio.errors import RasterioIOError
from rasterio.windows import Window

from .errors import InputError


def open_raster(path: str | os.PathLike, role: str):
    """Open ``path`` read-only, or raise InputError naming the role (SAR, DEM, ...)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"The {role} raster {path} does not exist; check the path.")
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise InputError(f"The {role} raster {path} cannot be read by GDAL ({exc}); give a "
                         "GeoTIFF or another raster format GDAL reads.") from exc


def refuse_complex_dem(src, name: str) -> None:
    """A complex band is not heights: reading it as real would silently drop half of it."""
    if "complex" in src.dtypes[0]:
        raise InputError(f"The DEM {name} holds complex numbers ({src.dtypes[0]}), not "
                         "heights in metres; give a DEM of heights (band 1 is read).")


def uses_mask_band(src, bands: tuple[int, ...]) -> bool:
    """True when validity must come from GDAL's mask (per-dataset mask or alpha band)."""
    for band in bands:
        flags = src.mask_flag_enums[band - 1]
        if MaskFlags.per_dataset in flags or MaskFlags.alpha in flags:
            return True
    return False


def read_valid(src, bands: tuple[int, ...], window: Window | None = None,
               nodata: float | None = None, use_mask: bool = False,
               out_shape: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read ``bands`` as float32 (C, H, W) and a (H, W) bool mask of pixels valid in all;
    with ``out_shape`` (H, W) the window is decimated (nearest) to that size in one read.

    Invalid pixels (nodata, NaN, masked) are set to NaN in the returned data.
    """
    shape = None if out_shape is None else (len(bands), *out_shape)
    data = src.read(list(bands), window=window, out_dtype="float32", out_shape=shape)
    valid = np.isfinite(data).all(axis=0)
    if nodata is not None and not math.isnan(nodata):
        valid &= (data != np.float32(nodata)).all(axis=0)
    if use_mask:
        masks = src.read_masks(list(bands), window=window, out_shape=shape)
        valid &= (masks != 0).all(axis=0)
    data[:, ~valid] = np.nan
    return data, valid


def nearest_fill(data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Fill invalid pixels of (C, H, W) with the nearest valid pixel's value, in place.

    A network fed NaN or an arbitrary constant would smear it into valid neighbours;
    nearest values keep the texture plausible. All-invalid input is filled with 0.5.
    """
    if valid.all():
        return data
    if not valid.any():
        data[...] = 0.5
        return data
    from scipy.ndimage import distance_transform_edt

    idx = distance_transform_edt(~valid, return_distances=False, return_indices=True)
    rows, cols = idx
    data[:] = data[:, rows, cols]
    return data
