"""Synthetic rasters for ``sardine bench``: a SAR scene and a DEM in *another* CRS.

The values only need to look like real inputs to the engine (dB backscatter, metres of
elevation); what matters for speed is the layout: a tiled, DEFLATE-compressed float32
SAR on UTM 32N at 10 m, and a DEM in EPSG:4326 at about 30 m, so every block warps it.
Written strip by strip, so generating a large scene needs little memory.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds
from rasterio.windows import Window

SAR_CRS = "EPSG:32632"
DEM_CRS = "EPSG:4326"
ORIGIN = (500000.0, 5000000.0)
PIXEL_M = 10.0
DEM_PIXEL_DEG = 30.0 / 111_320.0  # about 30 m
STRIP = 512


def _field(rows: np.ndarray, cols: np.ndarray, scale: float, phase: float) -> np.ndarray:
    """A smooth, non-repeating-looking 2-D field (sum of a few oblique waves)."""
    y = rows[:, None].astype(np.float32)
    x = cols[None, :].astype(np.float32)
    out = np.zeros((rows.size, cols.size), dtype=np.float32)
    for k, (a, b) in enumerate(((1.0, 0.3), (-0.4, 1.0), (0.7, -0.8))):
        out += np.sin((a * x + b * y) * scale * (k + 1) + phase * (k + 1))
    return out


def write_sar(path: Path, size: int, seed: int = 0) -> Path:
    """VV, VH in dB (float32), ``size`` x ``size`` pixels, tiled 512, DEFLATE."""
    rng = np.random.default_rng(seed)
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 2,
               "dtype": "float32", "crs": SAR_CRS,
               "transform": from_origin(ORIGIN[0], ORIGIN[1], PIXEL_M, PIXEL_M),
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "DEFLATE",
               "nodata": float("nan")}
    cols = np.arange(size)
    with rasterio.open(path, "w", **profile) as dst:
        for r0 in range(0, size, STRIP):
            rows = np.arange(r0, min(size, r0 + STRIP))
            base = 2.5 * _field(rows, cols, 0.004, 0.0)
            speckle = rng.gamma(4.0, 0.25, (2, rows.size, size)).astype(np.float32)
            db = 10.0 * np.log10(speckle)
            data = np.stack([-12.0 + base + db[0], -19.0 + base + db[1]])
            dst.write(data.astype(np.float32), window=Window(0, r0, size, rows.size))
    return path


def write_dem(path: Path, sar_path: Path) -> Path:
    """A DEM in EPSG:4326 (about 30 m) covering the SAR's footprint with a margin."""
    with rasterio.open(sar_path) as sar:
        west, south, east, north = transform_bounds(sar.crs, DEM_CRS, *sar.bounds)
    margin = 10 * DEM_PIXEL_DEG
    west, south, east, north = west - margin, south - margin, east + margin, north + margin
    width = int(np.ceil((east - west) / DEM_PIXEL_DEG))
    height = int(np.ceil((north - south) / DEM_PIXEL_DEG))
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": "float32", "crs": DEM_CRS,
               "transform": from_origin(west, north, DEM_PIXEL_DEG, DEM_PIXEL_DEG),
               "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "DEFLATE",
               "nodata": -9999.0}
    with rasterio.open(path, "w", **profile) as dst:
        cols = np.arange(width)
        for r0 in range(0, height, STRIP):
            rows = np.arange(r0, min(height, r0 + STRIP))
            elevation = 800.0 + 300.0 * _field(rows, cols, 0.01, 1.0)
            dst.write(elevation[None], window=Window(0, r0, width, rows.size))
    return path


def write_scene(directory: Path, size: int, seed: int = 0) -> tuple[Path, Path]:
    """``(sar, dem)`` paths of a ``size`` x ``size`` scene written into ``directory``."""
    sar = write_sar(directory / f"sar_{size}.tif", size, seed)
    dem = write_dem(directory / f"dem_{size}.tif", sar)
    return sar, dem
