"""Cheap looks at big rasters: a few small windows or a grid of points, never a full read,
so ``validate`` stays fast on a 400-megapixel scene."""
from __future__ import annotations

import numpy as np
from rasterio.warp import transform as warp_transform
from rasterio.windows import Window

from ..grid import RasterGrid
from ..raster_io import read_valid

SAMPLE_WINDOWS = 3  # per side (each window may decode a whole input block)
SAMPLE_SIZE = 64  # pixels per window side
COVERAGE_POINTS = 48  # per side
COVERAGE_READ = 512  # the DEM is read once, decimated to at most this many pixels a side


def sample_sar(src, bands: tuple[int, ...], nodata: float | None, use_mask: bool
               ) -> np.ndarray:
    """Valid values of the first chosen band from a grid of small windows (1-D float32)."""
    values = []
    size = min(SAMPLE_SIZE, src.width, src.height)
    for fy in np.linspace(0.0, 1.0, SAMPLE_WINDOWS):
        for fx in np.linspace(0.0, 1.0, SAMPLE_WINDOWS):
            col = int(round(fx * (src.width - size)))
            row = int(round(fy * (src.height - size)))
            data, valid = read_valid(src, bands[:1], Window(col, row, size, size), nodata,
                                     use_mask)
            values.append(data[0][valid])
    return np.concatenate(values) if values else np.empty(0, np.float32)


def dem_coverage(dem, grid: RasterGrid, nodata: float | None, use_mask: bool) -> float:
    """Fraction of ``grid`` (sampled on a regular grid of points) where the DEM has data."""
    heights, _inside, total = dem_heights(dem, grid, nodata, use_mask)
    return heights.size / float(total)


def dem_heights(dem, grid: RasterGrid, nodata: float | None, use_mask: bool
                ) -> tuple[np.ndarray, int, int]:
    """DEM values with data at a regular grid of points over ``grid``: (values, points
    inside the DEM's extent, points in all). One decimated read of the DEM window under
    the points, not one read per point."""
    n = COVERAGE_POINTS
    rows = (np.arange(n) + 0.5) * grid.height / n
    cols = (np.arange(n) + 0.5) * grid.width / n
    cc, rr = np.meshgrid(cols, rows)
    xs, ys = grid.transform * (cc.ravel(), rr.ravel())
    if dem.crs != grid.crs:
        xs, ys = warp_transform(grid.crs, dem.crs, list(xs), list(ys))
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    c, r = ~dem.transform * (xs, ys)
    finite = np.isfinite(c) & np.isfinite(r)
    c = np.floor(np.where(finite, c, -1)).astype(np.int64)
    r = np.floor(np.where(finite, r, -1)).astype(np.int64)
    inside = (c >= 0) & (c < dem.width) & (r >= 0) & (r < dem.height) & finite
    if not inside.any():
        return np.empty(0, np.float64), 0, int(c.size)
    c, r = c[inside], r[inside]
    col0, row0 = int(c.min()), int(r.min())
    width, height = int(c.max()) + 1 - col0, int(r.max()) + 1 - row0
    shape = (min(height, COVERAGE_READ), min(width, COVERAGE_READ))
    data, valid = read_valid(dem, (1,), Window(col0, row0, width, height), nodata, use_mask,
                             out_shape=shape)
    ri = np.minimum((r - row0) * shape[0] // height, shape[0] - 1)
    ci = np.minimum((c - col0) * shape[1] // width, shape[1] - 1)
    ok = valid[ri, ci]
    return data[0, ri, ci][ok].astype(np.float64), int(inside.sum()), int(inside.size)
