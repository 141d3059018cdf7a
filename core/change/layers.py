"""change.tif and trust.tif written window by window (bounded memory) from rasters that
all lie on one grid (or are warped onto it by ``GridReader``).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from ..grid import RasterGrid
from ..normalization import Normalization
from ..trust_calibration import TrustCalibration, calibration_in_use
from . import metrics
from .reading import GridReader, blocks, grown
from .trust import band_descriptions, trust_bands

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
    distortion codes file. ``calibration``: the weights' own trust calibration (None: the
    fallback, said in the band description)."""

    grid: RasterGrid
    sar: list[GridReader]
    optical: list[Path]
    dem: GridReader | None
    distortion: Path | None
    norm: Normalization
    calibration: TrustCalibration | None = None


def _float_profile(grid: RasterGrid, count: int, compress: bool = True) -> dict:
    """ZSTD level 1 for the trust layer (its components hold few values: a third of the
    size, for about 45 ms per megapixel); none for change.tif, whose four bands of noisy
    measures shrink by a tenth only, for twice the writing time (measured, docs/CHANGE.md).
    DEFLATE at its default level cost a fifth of the change pass."""
    if not compress:
        return grid.profile(dtype="float32", count=count, nodata=float("nan"),
                            compress="none")
    return grid.profile(dtype="float32", count=count, nodata=float("nan"), compress="zstd",
                        zstd_level=1)


def _describe(dst, descriptions: tuple[str, ...], tags: Mapping[str, str]) -> None:
    for band, text in enumerate(descriptions, 1):
        dst.set_band_description(band, text)
    dst.update_tags(**tags)


def write_layers(inputs: LayerInputs, trust_out: Path, change_out: Path | None,
                 progress: Callable[[float], None], check_cancelled: Callable[[], None],
                 tags: Mapping[str, str], workers: int = 1) -> None:
    """trust.tif (and change.tif when two SAR images and two optical images are given).

    Windows are read and written in this thread (a GDAL dataset is not to be shared
    between threads) and computed by ``workers`` threads (numpy and scipy release the GIL
    for their array work); at most ``workers + 1`` windows are in flight: bounded memory.
    """
    grid = inputs.grid
    calibration, own = calibration_in_use(inputs.calibration, len(inputs.norm.sar_bands))
    trust_desc = band_descriptions(calibration, own, inputs.dem is not None)
    windows = list(blocks(grid))
    with ExitStack() as stack:
        trust_dst = stack.enter_context(
            rasterio.open(trust_out, "w", **_float_profile(grid, len(trust_desc))))
        _describe(trust_dst, trust_desc, tags)
        change_dst = None
        if change_out is not None:
            change_dst = stack.enter_context(
                rasterio.open(change_out, "w", **_float_profile(grid, 4, compress=False)))
            _describe(change_dst, CHANGE_DESCRIPTIONS, tags)
        optical = [stack.enter_context(rasterio.open(p)) for p in inputs.optical]
        codes_src = (stack.enter_context(rasterio.open(inputs.distortion))
                     if inputs.distortion is not None else None)
        pool = stack.enter_context(ThreadPoolExecutor(max(1, workers),
                                                      thread_name_prefix="sardine-change"))
        pending: deque[tuple[Window, Future]] = deque()
        done = 0

        def write_oldest() -> None:
            nonlocal done
            window, future = pending.popleft()
            trust, change = future.result()
            trust_dst.write(trust, window=window)
            if change_dst is not None and change is not None:
                change_dst.write(change, window=window)
            done += 1
            progress(done / len(windows))

        for window in windows:
            check_cancelled()
            block = _read(inputs, window, optical, codes_src, change_dst is not None)
            pending.append((window, pool.submit(_compute, block, inputs.norm, calibration)))
            if len(pending) > max(1, workers):
                write_oldest()
        while pending:
            check_cancelled()
            write_oldest()


@dataclass
class _Block:
    """One window's inputs, read with a halo (``inner``: where the window lies in it)."""

    inner: tuple[slice, slice]
    raw: list[np.ndarray]
    dem: np.ndarray | None
    codes: np.ndarray | None
    rgb: list[np.ndarray]
    seen: np.ndarray | None  # pixels every translation covers; None: no change wanted


def _read(inputs: LayerInputs, window: Window, optical: list, codes_src, with_change: bool
          ) -> _Block:
    big, inner = grown(window, metrics.HALO, inputs.grid)
    seen = (np.logical_and.reduce([src.dataset_mask(window=big) > 0 for src in optical])
            if with_change else None)
    return _Block(inner=inner, raw=[reader.read(big) for reader in inputs.sar],
                  dem=inputs.dem.read(window)[0] if inputs.dem is not None else None,
                  codes=codes_src.read(1, window=window) if codes_src is not None else None,
                  rgb=[src.read([1, 2, 3], window=big) for src in optical], seen=seen)


def _compute(block: _Block, norm: Normalization, calibration: TrustCalibration
             ) -> tuple[np.ndarray, np.ndarray | None]:
    inner = block.inner
    valid_big = np.logical_and.reduce([np.isfinite(r).all(axis=0) for r in block.raw])
    smoothed = [metrics.smoothed_db(r) for r in block.raw]
    lab = [metrics.srgb_to_lab(rgb) for rgb in block.rgb]
    trust = trust_bands(block.codes, [s[(slice(None), *inner)] for s in smoothed], block.dem,
                        norm, valid_big[inner], [image[(slice(None), *inner)] for image in lab],
                        calibration)
    if block.seen is None:
        return trust, None
    both = valid_big & block.seen
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
                tags: Mapping[str, str], workers: int = 1,
                calibration: TrustCalibration | None = None) -> None:
    """The trust layer of a plain translation (one SAR image and its translation)."""
    write_layers(LayerInputs(grid, [sar], [optical], dem, distortion, norm, calibration), out,
                 None, progress, check_cancelled, tags, workers)
