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
    """Fraction of ``grid`` (sampled on a regular grid of points) where the DEM has data,
    from one decimated read of the DEM window under the points (not one read per point)."""
    n = COVERAGE_POINTS
    rows = (np.arange(n) + 0.5) * grid.height / n
    cols = (np.arange(n) + 0.5) * grid.width / n
    cc, rr = np.meshgrid(cols, rows)
    xs, ys = grid.transform * (cc.ravel(), rr.ravel())
    if dem.crs != grid.crs:
        xs, ys = warp_transform(grid.crs, dem.crs, list(xs), list(ys))
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    c, r = ~dem.transform * (xs, ys)
    c, r = np.floor(c).astype(np.int64), np.floor(r).astype(np.int64)
    inside = (c >= 0) & (c < dem.width) & (r >= 0) & (r < dem.height) & np.isfinite(xs)
    if not inside.any():
        return 0.0
    c, r = c[inside], r[inside]
    col0, row0 = int(c.min()), int(r.min())
    width, height = int(c.max()) + 1 - col0, int(r.max()) + 1 - row0
    shape = (min(height, COVERAGE_READ), min(width, COVERAGE_READ))
    _, valid = read_valid(dem, (1,), Window(col0, row0, width, height), nodata, use_mask,
                          out_shape=shape)
    ri = np.minimum((r - row0) * shape[0] // height, shape[0] - 1)
    ci = np.minimum((c - col0) * shape[1] // width, shape[1] - 1)
    return int(valid[ri, ci].sum()) / float(inside.size)
