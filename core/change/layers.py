"""change.tif and trust.tif written window by window (bounded memory) from rasters that
all lie on one grid (or are warped onto it by ``GridReader``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from ..grid import RasterGrid
from ..normalization import Normalization
from . import metrics
from .reading import GridReader, blocks, grown
from .trust import BAND_DESCRIPTIONS, NO_DEM_NOTE, trust_bands

CHANGE_DESCRIPTIONS = (
    "optical change: CIE76 colour difference (CIELAB, 5x5 mean) of post vs pre optical",
    "VV log-ratio, dB: 10 log10(post/pre) of 7x7 mean intensities",
    "VH log-ratio, dB: 10 log10(post/pre) of 7x7 mean intensities",
    f"combined change score 0..1: 1-(1-min(1,dE/{metrics.DELTA_E_REF:g}))"
    f"(1-min(1,max|log-ratio|/{metrics.LOG_RATIO_REF_DB:g} dB))",
)


@dataclass
class LayerInputs:
    """Everything on ``grid``: SAR readers (pre, then post) in dB, the translations (pre,
    post; the one translation for a plain run's trust layer), the DEM reader and the
    distortion codes file."""

    grid: RasterGrid
    sar: list[GridReader]
    optical: list[Path]
    dem: GridReader | None
    distortion: Path | None
    norm: Normalization


def _float_profile(grid: RasterGrid, count: int) -> dict:
    """ZSTD level 1: float bands of noisy measures barely compress, and DEFLATE at its
    default level cost a fifth of the change pass (measured, docs/CHANGE.md)."""
    return grid.profile(dtype="float32", count=count, nodata=float("nan"), compress="zstd",
                        zstd_level=1)


def _describe(dst, descriptions: tuple[str, ...], tags: Mapping[str, str]) -> None:
    for band, text in enumerate(descriptions, 1):
        dst.set_band_description(band, text)
    dst.update_tags(**tags)


def write_layers(inputs: LayerInputs, trust_out: Path, change_out: Path | None,
                 progress: Callable[[float], None], check_cancelled: Callable[[], None],
                 tags: Mapping[str, str]) -> None:
    """trust.tif (and change.tif when two SAR images and two optical images are given)."""
    grid = inputs.grid
    trust_desc = BAND_DESCRIPTIONS if inputs.dem is not None else (
        BAND_DESCRIPTIONS[0], BAND_DESCRIPTIONS[1] + NO_DEM_NOTE, *BAND_DESCRIPTIONS[2:])
    windows = list(blocks(grid))
    with ExitStack() as stack:
        trust_dst = stack.enter_context(
            rasterio.open(trust_out, "w", **_float_profile(grid, len(trust_desc))))
        _describe(trust_dst, trust_desc, tags)
        change_dst = None
        if change_out is not None:
            change_dst = stack.enter_context(
                rasterio.open(change_out, "w", **_float_profile(grid, 4)))
            _describe(change_dst, CHANGE_DESCRIPTIONS, tags)
        optical = [stack.enter_context(rasterio.open(p)) for p in inputs.optical]
        codes_src = (stack.enter_context(rasterio.open(inputs.distortion))
                     if inputs.distortion is not None else None)
        for index, window in enumerate(windows, 1):
            check_cancelled()
            trust, change = _block(inputs, window, optical, codes_src, change_dst is not None)
            trust_dst.write(trust, window=window)
            if change_dst is not None and change is not None:
                change_dst.write(change, window=window)
            progress(index / len(windows))


def _block(inputs: LayerInputs, window: Window, optical: list, codes_src, with_change: bool
           ) -> tuple[np.ndarray, np.ndarray | None]:
    big, inner = grown(window, metrics.HALO, inputs.grid)
    raw = [reader.read(big) for reader in inputs.sar]
    valid_big = np.logical_and.reduce([np.isfinite(r).all(axis=0) for r in raw])
    smoothed = [np.stack([metrics.smoothed_db(band) for band in r]) for r in raw]
    dem = inputs.dem.read(window)[0] if inputs.dem is not None else None
    codes = codes_src.read(1, window=window) if codes_src is not None else None
    valid = valid_big[inner]
    lab = [metrics.srgb_to_lab(src.read([1, 2, 3], window=big)) for src in optical]
    trust = trust_bands(codes, [s[(slice(None), *inner)] for s in smoothed], dem, inputs.norm,
                        valid, [image[(slice(None), *inner)] for image in lab])
    if not with_change:
        return trust, None
    seen = np.logical_and.reduce([src.dataset_mask(window=big) > 0 for src in optical])
    both = valid_big & seen
    d_e = metrics.delta_e_lab(lab[0], lab[1], both)
    ratio = np.stack([metrics.log_ratio(a, b) for a, b in zip(smoothed[0], smoothed[1],
                                                              strict=True)])
    ratio[:, ~both] = np.nan
    score = metrics.combined_score(d_e, ratio)
    change = np.concatenate([d_e[None], ratio, score[None]])[(slice(None), *inner)]
    return trust, change.astype(np.float32)


def write_trust(grid: RasterGrid, sar: GridReader, optical: Path, dem: GridReader | None,
                distortion: Path | None, norm: Normalization, out: Path,
                progress: Callable[[float], None], check_cancelled: Callable[[], None],
                tags: Mapping[str, str]) -> None:
    """The trust layer of a plain translation (one SAR image and its translation)."""
    write_layers(LayerInputs(grid, [sar], [optical], dem, distortion, norm), out, None, progress,
                 check_cancelled, tags)
