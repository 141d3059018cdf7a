"""Pass 2 (only when needed): the intermediate result, on the working grid, becomes the
final output on the SAR grid, window by window.

When the model ran on another grid, the intermediate is warped back onto the SAR grid; it
is premultiplied by its alpha, so a bilinear (or averaging) warp of all four bands divided
by the warped alpha is an alpha-weighted interpolation that never mixes nodata in. The
optional enhancement reads each window with ``enhancement_margin`` pixels of context, so
windows join without seams. Windows are aligned to the TIFF tiles: each is written once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ..enhance import enhance, enhancement_margin
from ..feedback import Feedback
from ..raster_io import nearest_fill, read_valid
from .preflight import RunPlan
from .writer import (
    INTERMEDIATE_SCALE,
    TIFF_BLOCK,
    build_overviews,
    describe_final,
    final_profile,
    output_env,
    quantize_final,
)

WINDOW = 2 * TIFF_BLOCK


def _windows(width: int, height: int, size: int) -> Iterator[Window]:
    for row in range(0, height, size):
        for col in range(0, width, size):
            yield Window(col, row, min(size, width - col), min(size, height - row))


def finish(plan: RunPlan, intermediate: Path, out_path: Path, method: str,
           tags: dict[str, str], creation_options: dict | None, feedback: Feedback,
           progress: Callable[[float], None]) -> None:
    """Warp back (if needed), enhance (if asked) and write the final output."""
    grid = plan.sar_grid
    margin = enhancement_margin(method)
    windows = list(_windows(grid.width, grid.height, WINDOW))
    with ExitStack() as stack:
        src = stack.enter_context(rasterio.open(intermediate))
        sar = None
        if plan.resample:
            down = abs(grid.transform.a * grid.transform.e) > \
                abs(plan.work_grid.transform.a * plan.work_grid.transform.e)
            src = stack.enter_context(WarpedVRT(
                src, crs=grid.crs, transform=grid.transform, width=grid.width,
                height=grid.height, resampling=Resampling.average if down
                else Resampling.bilinear))
            sar = stack.enter_context(rasterio.open(plan.sar_path))
        stack.enter_context(output_env())
        dst = stack.enter_context(rasterio.open(out_path, "w",
                                                **final_profile(grid, creation_options)))
        describe_final(dst, tags)
        for i, window in enumerate(windows):
            feedback.check_cancelled()
            rgb, valid = _read_context(src, window, margin, grid.width, grid.height)
            r = int(window.row_off) - max(0, int(window.row_off) - margin)
            c = int(window.col_off) - max(0, int(window.col_off) - margin)
            h, w = int(window.height), int(window.width)
            if method != "none":
                nearest_fill(rgb, valid)
                rgb = enhance(rgb, method)
            core_rgb = rgb[:, r:r + h, c:c + w]
            core_valid = valid[r:r + h, c:c + w]
            if sar is not None:
                _, sar_valid = read_valid(sar, plan.sar_bands, window, plan.sar_nodata,
                                          plan.sar_mask_band)
                core_valid = core_valid & sar_valid
            data, mask = quantize_final(core_rgb, core_valid)
            dst.write(data, window=window)
            dst.write_mask(mask, window=window)
            progress(0.9 * (i + 1) / len(windows))
        build_overviews(dst)
    progress(1.0)


def _read_context(src, window: Window, margin: int, width: int, height: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """RGB in [0, 1] and validity for ``window`` grown by ``margin`` (clipped to the
    raster: the enhancement reflects at true raster edges, as on a whole image)."""
    row0 = max(0, int(window.row_off) - margin)
    col0 = max(0, int(window.col_off) - margin)
    row1 = min(height, int(window.row_off + window.height) + margin)
    col1 = min(width, int(window.col_off + window.width) + margin)
    data = src.read(window=Window(col0, row0, col1 - col0, row1 - row0), out_dtype="float32")
    alpha = data[3] / np.float32(INTERMEDIATE_SCALE)
    valid = alpha >= 0.5
    rgb = data[:3] / (np.maximum(alpha, 1e-6) * np.float32(INTERMEDIATE_SCALE))
    rgb[:, ~valid] = 0.0
    return np.clip(rgb, 0.0, 1.0), valid
