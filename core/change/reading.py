"""Reading any raster on one target grid, window by window, with a halo for box filters.

Why a WarpedVRT per source: the post-event SAR and the DEM come on their own grids; GDAL
warps only the window asked for, so memory stays bounded whatever the rasters' sizes.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import MaskFlags, Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ..grid import RasterGrid
from ..normalization import linear_to_db

BLOCK = 512


def blocks(grid: RasterGrid, size: int = BLOCK) -> Iterator[Window]:
    for row in range(0, grid.height, size):
        for col in range(0, grid.width, size):
            yield Window(col, row, min(size, grid.width - col), min(size, grid.height - row))


def grown(window: Window, halo: int, grid: RasterGrid) -> tuple[Window, tuple[slice, slice]]:
    """``window`` grown by ``halo`` pixels (clipped to the grid) and where the original
    window lies inside it."""
    r0, c0 = max(0, window.row_off - halo), max(0, window.col_off - halo)
    r1 = min(grid.height, window.row_off + window.height + halo)
    c1 = min(grid.width, window.col_off + window.width + halo)
    inner = (slice(window.row_off - r0, window.row_off - r0 + window.height),
             slice(window.col_off - c0, window.col_off - c0 + window.width))
    return Window(c0, r0, c1 - c0, r1 - r0), inner


def _nan_masked(ds, band: int) -> bool:
    """True when GDAL masks exactly the NaN pixels of ``band`` (its mask is a NaN nodata
    value) or none: then the plain read equals the masked read filled with NaN, without
    the mask's and the masked array's copies."""
    flags = ds.mask_flag_enums[band - 1]
    nodata = ds.nodatavals[band - 1]
    if flags == [MaskFlags.all_valid]:
        return True
    return flags == [MaskFlags.nodata] and nodata is not None and bool(np.isnan(nodata))


class GridReader:
    """Bands of ``path`` on ``grid`` as float32 (the change measures need no more, and
    halve their cost with it) with NaN where there is no data; SAR in linear power
    converted to dB when ``linear``."""

    def __init__(self, path: Path, grid: RasterGrid, bands: tuple[int, ...],
                 resampling: Resampling = Resampling.bilinear, linear: bool = False) -> None:
        self._src = rasterio.open(path)
        self._bands = list(bands)
        self._linear = linear
        self._ds = self._src
        if RasterGrid.from_dataset(self._src) != grid:
            self._ds = WarpedVRT(self._src, crs=grid.crs, transform=grid.transform,
                                 width=grid.width, height=grid.height, resampling=resampling,
                                 nodata=np.nan, dtype="float32")
        self._nan_masked = all(_nan_masked(self._ds, band) for band in self._bands)

    def read(self, window: Window) -> np.ndarray:
        if self._nan_masked:  # the masked pixels are the NaN ones: no masked array needed
            out = self._ds.read(self._bands, window=window).astype(np.float32, copy=False)
        else:
            data = self._ds.read(self._bands, window=window, masked=True)
            out = np.ma.filled(data.astype(np.float32), np.float32(np.nan))
        if self._linear:
            out = np.where(np.isfinite(out), linear_to_db(np.nan_to_num(out)),
                           np.nan).astype(np.float32)
        return out

    def close(self) -> None:
        if self._ds is not self._src:
            self._ds.close()
        self._src.close()

    def __enter__(self) -> GridReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
