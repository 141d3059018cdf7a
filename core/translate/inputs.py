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
from .tiling import Block, TileLayout, reflect_index
from .validate import ValidationReport

# Heights outside this range are voids written without a nodata tag (e.g. -32768).
DEM_VALID_RANGE_M = (-1000.0, 9000.0)


@dataclass
class BlockInput:
    block: Block
    sar: np.ndarray  # (n, C, T, T) float32 unit-scaled
    dem: np.ndarray | None  # (n, 1, T, T) float32 unit-scaled
    active: np.ndarray  # (n,) bool: tiles with at least one valid pixel
    window: tuple[int, int, int, int] | None  # final region in image rows/cols
    valid: np.ndarray | None  # (rows, cols) bool for ``window``


class BlockReader:
    """Opens the inputs (in the thread that reads) and serves blocks."""

    def __init__(self, plan: ValidationReport, layout: TileLayout) -> None:
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
        sar, valid = read_valid(self.sar, self._sar_bands(), window, self._sar_nodata,
                                self._sar_mask)
        if self.plan.sar_linear:
            sar = linear_to_db(sar)
        unit = self.norm.sar_to_unit(sar)
        dem_unit = None
        if self.dem is not None:
            dem, dem_valid = read_valid(self.dem, (1,), window, None, False)
            lo, hi = DEM_VALID_RANGE_M
            dem_valid &= (dem[0] >= lo) & (dem[0] <= hi)
            valid &= dem_valid
            dem_unit = self.norm.dem_to_unit(dem)
            nearest_fill(dem_unit, dem_valid)
        nearest_fill(unit, valid)
        final = lay.image_window(block.final_rows, block.final_cols)
        final_valid = None
        if final is not None:
            fr0, fr1, fc0, fc1 = final
            final_valid = valid[fr0 - r0:fr1 - r0, fc0 - c0:fc1 - c0].copy()
        ri, ci = rows - r0, cols - c0
        grid_valid = valid[np.ix_(ri, ci)]
        tiles = self._cut(unit[:, ri][:, :, ci], block)
        dem_tiles = self._cut(dem_unit[:, ri][:, :, ci], block) if dem_unit is not None else None
        active = self._cut(grid_valid[None], block).reshape(block.n_tiles, -1).any(axis=1)
        return BlockInput(block, tiles, dem_tiles, active, final, final_valid)

    def _sar_bands(self) -> tuple[int, ...]:
        return self.plan.sar_bands

    def _cut(self, array: np.ndarray, block: Block) -> np.ndarray:
        """(C, T, span) -> (n, C, T, T) tiles at the layout's stride."""
        s, t = self.layout.stride, self.layout.tile
        return np.stack([array[:, :, j * s:j * s + t] for j in range(block.n_tiles)])
