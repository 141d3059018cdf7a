"""Reads one block of SAR and DEM on the working grid, ready for the model.

The DEM is always read through a WarpedVRT onto the working grid (bilinear), once per
block and not per tile, whatever its CRS and resolution; the SAR is read directly when
the working grid is its own, else through a WarpedVRT too. Values are converted to dB when
needed, scaled to [0, 1] with the weights' normalisation, invalid pixels filled with their
nearest valid neighbour (the output masks them), and the block reflect-padded at the
raster's edges and cut into tiles.
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ..normalization import linear_to_db
from ..raster_io import nearest_fill, read_valid
from .plausibility import DEM_VALID_RANGE_M
from .preflight import RunPlan
from .tiling import Block, TileLayout, reflect_index


@dataclass
class BlockInput:
    """One block's model inputs, kept as spans (the tiles are cut just before the model,
    so the queues hold no duplicated overlaps)."""

    block: Block
    sar: np.ndarray  # (C, T, span) float32 unit-scaled
    dem: np.ndarray | None  # (1, T, span) float32 unit-scaled
    active: np.ndarray  # (n,) bool: tiles with at least one valid pixel
    window: tuple[int, int, int, int] | None  # final region in image rows/cols
    valid: np.ndarray | None  # (rows, cols) bool for ``window``
    stride: int
    tile: int

    def tiles(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(k, C, T, T) SAR and (k, 1, T, T) DEM tiles for the tile indices ``which``."""
        s, t = self.stride, self.tile
        sar = np.stack([self.sar[:, :, j * s:j * s + t] for j in which])
        dem = None if self.dem is None else \
            np.stack([self.dem[:, :, j * s:j * s + t] for j in which])
        return sar, dem


def _take(array: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``array[:, rows][:, :, cols]``: a view when both are plain ranges (no reflection),
    else one copy."""
    def as_slice(index: np.ndarray) -> slice | None:
        if index.size and (np.diff(index) == 1).all():
            return slice(int(index[0]), int(index[-1]) + 1)
        return None

    rs, cs = as_slice(rows), as_slice(cols)
    if rs is not None and cs is not None:
        return array[:, rs, cs]
    return array[np.ix_(np.arange(array.shape[0]), rows, cols)]


class BlockReader:
    """Opens the inputs (in the thread that reads) and serves blocks."""

    def __init__(self, plan: RunPlan, layout: TileLayout) -> None:
        self.plan = plan
        self.layout = layout
        self.norm = plan.model.normalization
        self._stack = ExitStack()
        work = plan.work_grid
        sar = self._stack.enter_context(rasterio.open(plan.sar_path))
        if plan.resample:
            down = work.transform.a ** 2 + work.transform.e ** 2 > \
                plan.sar_grid.transform.a ** 2 + plan.sar_grid.transform.e ** 2
            sar = self._stack.enter_context(WarpedVRT(
                sar, crs=work.crs, transform=work.transform, width=work.width,
                height=work.height, src_nodata=plan.sar_nodata, nodata=float("nan"),
                dtype="float32",
                resampling=Resampling.average if down else Resampling.bilinear))
            self._sar_nodata, self._sar_mask = None, False
        else:
            self._sar_nodata, self._sar_mask = plan.sar_nodata, plan.sar_mask_band
        self.sar = sar
        self.dem = None
        if plan.uses_dem:
            dem = self._stack.enter_context(rasterio.open(plan.dem_path))
            self.dem = self._stack.enter_context(WarpedVRT(
                dem, crs=work.crs, transform=work.transform, width=work.width,
                height=work.height, src_nodata=plan.dem_nodata, nodata=float("nan"),
                dtype="float32", resampling=Resampling.bilinear))

    def close(self) -> None:
        self._stack.close()

    def read(self, block: Block) -> BlockInput:
        lay = self.layout
        rows = reflect_index(np.arange(*block.span_rows) - lay.pad, lay.height)
        cols = reflect_index(np.arange(*block.span_cols) - lay.pad, lay.width)
        r0, r1 = int(rows.min()), int(rows.max()) + 1
        c0, c1 = int(cols.min()), int(cols.max()) + 1
        window = Window(c0, r0, c1 - c0, r1 - r0)
        sar, sar_valid = read_valid(self.sar, self.plan.sar_bands, window, self._sar_nodata,
                                    self._sar_mask)
        if self.plan.sar_linear:
            sar = linear_to_db(sar)
        sar = nearest_fill(self.norm.sar_to_unit(sar), sar_valid)
        valid = sar_valid
        dem = None
        if self.dem is not None:
            heights, dem_valid = read_valid(self.dem, (1,), window, None, False)
            lo, hi = DEM_VALID_RANGE_M
            dem_valid &= (heights[0] >= lo) & (heights[0] <= hi)
            valid = sar_valid & dem_valid
            dem = nearest_fill(self.norm.dem_to_unit(heights), dem_valid)
            del heights
        final = lay.image_window(block.final_rows, block.final_cols)
        final_valid = None
        if final is not None:
            fr0, fr1, fc0, fc1 = final
            final_valid = valid[fr0 - r0:fr1 - r0, fc0 - c0:fc1 - c0].copy()
        ri, ci = rows - r0, cols - c0
        span_valid = _take(valid[None], ri, ci)[0]
        s, t = lay.stride, lay.tile
        active = np.array([span_valid[:, j * s:j * s + t].any() for j in range(block.n_tiles)])
        return BlockInput(block, _take(sar, ri, ci),
                          None if dem is None else _take(dem, ri, ci),
                          active, final, final_valid, s, t)
