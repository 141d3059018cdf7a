"""GeoTIFF outputs: the final uint8 RGB with an internal mask band, and the uint16
premultiplied-alpha intermediate used when a second pass (enhancement, resampling back)
follows.

Blocks arrive in row-major order as final regions of uneven size; ``StripWriter`` gathers
them into full-width strips whose heights are multiples of the TIFF tile, so each
compressed TIFF tile is written exactly once (a partial tile rewritten later would leave a
dead copy in the file). It holds at most one tile row plus one block row of the width.
"""
from __future__ import annotations

import json

import numpy as np
import rasterio
from rasterio.enums import ColorInterp, Resampling
from rasterio.windows import Window

from ..grid import RasterGrid

TIFF_BLOCK = 512
RGB_NAMES = ("red (translated)", "green (translated)", "blue (translated)")
INTERMEDIATE_SCALE = 65535.0


def final_profile(grid: RasterGrid, creation_options: dict | None = None) -> dict:
    """Tiled, DEFLATE-compressed uint8 RGB (overridable with ``creation_options``)."""
    profile = {
        "driver": "GTiff", "crs": grid.crs, "transform": grid.transform,
        "width": grid.width, "height": grid.height, "count": 3, "dtype": "uint8",
        "tiled": True, "blockxsize": TIFF_BLOCK, "blockysize": TIFF_BLOCK,
        "compress": "DEFLATE", "predictor": 2, "zlevel": 6, "photometric": "RGB",
        "interleave": "pixel", "bigtiff": "IF_SAFER", "num_threads": "ALL_CPUS",
    }
    profile.update({k.lower(): v for k, v in (creation_options or {}).items()})
    return profile


def intermediate_profile(grid: RasterGrid) -> dict:
    """Premultiplied RGB + alpha as uint16: near-lossless, fast to compress."""
    return {
        "driver": "GTiff", "crs": grid.crs, "transform": grid.transform,
        "width": grid.width, "height": grid.height, "count": 4, "dtype": "uint16",
        "tiled": True, "blockxsize": TIFF_BLOCK, "blockysize": TIFF_BLOCK,
        "compress": "ZSTD", "zstd_level": 1, "predictor": 2, "interleave": "pixel",
        "bigtiff": "IF_SAFER", "num_threads": "ALL_CPUS",
    }


def describe_final(dst, tags: dict[str, str]) -> None:
    """Band names, colour interpretation and provenance tags of the final output."""
    for i, name in enumerate(RGB_NAMES, start=1):
        dst.set_band_description(i, name)
    dst.colorinterp = (ColorInterp.red, ColorInterp.green, ColorInterp.blue)
    dst.update_tags(**tags)


def provenance_tags(model_name: str, sha256: str | None, parameters: dict,
                    version: str, extra: dict | None = None) -> dict[str, str]:
    tags = {
        "SARDINE_VERSION": version,
        "SARDINE_MODEL": model_name,
        "SARDINE_WEIGHTS_SHA256": sha256 or "unknown",
        "SARDINE_PARAMETERS": json.dumps(parameters, sort_keys=True, default=str),
        "TIFFTAG_SOFTWARE": f"Sardine {version}",
    }
    tags.update({k: str(v) for k, v in (extra or {}).items()})
    return tags


def quantize_final(rgb: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[0, 1] float RGB + validity -> uint8 RGB (0 where invalid) and a 0/255 mask."""
    data = np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)
    data[:, ~valid] = 0
    return data, valid.astype(np.uint8) * 255


def quantize_intermediate(rgb: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """[0, 1] float RGB + validity -> uint16 (R*a, G*a, B*a, a), premultiplied so that a
    later bilinear warp of all four bands, divided by alpha, never mixes in nodata."""
    alpha = valid.astype(np.float32)
    out = np.empty((4,) + valid.shape, dtype=np.uint16)
    out[:3] = np.rint(np.clip(rgb, 0.0, 1.0) * alpha * INTERMEDIATE_SCALE)
    out[3] = np.rint(alpha * INTERMEDIATE_SCALE)
    return out


def overview_factors(width: int, height: int, smallest: int = 256) -> list[int]:
    factors, f = [], 2
    while max(width, height) / f >= smallest:
        factors.append(f)
        f *= 2
    return factors


def build_overviews(dst) -> None:
    factors = overview_factors(dst.width, dst.height)
    if factors:
        dst.build_overviews(factors, Resampling.average)
        dst.update_tags(ns="rio_overview", resampling="average")


class StripWriter:
    """Writes row-major regions as full-width strips aligned to the TIFF tile height.

    ``write_mask``: the last band of each region is written as the GDAL mask band (the
    final output) instead of as a band (the intermediate's alpha). ``region_rows``: the
    tallest region that will be put; the buffer holds one TIFF tile row more than that and
    is allocated once.
    """

    def __init__(self, dst, bands: int, dtype: str, write_mask: bool, region_rows: int
                 ) -> None:
        self.dst = dst
        self.write_mask = write_mask
        self.width, self.height = dst.width, dst.height
        self.block = TIFF_BLOCK
        rows = min(self.height, self.block + region_rows)
        self._buf = np.zeros((bands, rows, self.width), dtype=dtype)
        self._top = 0  # image row of the buffer's first row
        self._filled = 0  # rows of the buffer holding data
        self._rows = (0, 0)
        self._done_cols = 0

    def put(self, row0: int, row1: int, col0: int, col1: int, data: np.ndarray) -> None:
        """Add region rows [row0, row1) x cols [col0, col1) with ``data`` (bands, h, w)."""
        if (row0, row1) != self._rows:
            self._rows = (row0, row1)
            self._done_cols = 0
        if row1 - self._top > self._buf.shape[1]:
            raise ValueError(f"region rows {row0}:{row1} exceed the strip buffer")
        self._buf[:, row0 - self._top:row1 - self._top, col0:col1] = data
        self._filled = max(self._filled, row1 - self._top)
        self._done_cols = max(self._done_cols, col1)
        if self._done_cols >= self.width:
            self._flush(row1)

    def _flush(self, complete_to: int) -> None:
        end = complete_to if complete_to >= self.height else \
            (complete_to // self.block) * self.block
        if end <= self._top:
            return
        n = end - self._top
        window = Window(0, self._top, self.width, n)
        chunk = self._buf[:, :n]
        if self.write_mask:
            self.dst.write(chunk[:-1], window=window)
            self.dst.write_mask(chunk[-1], window=window)
        else:
            self.dst.write(chunk, window=window)
        rest = self._filled - n
        if rest > 0:
            self._buf[:, :rest] = self._buf[:, n:n + rest]
        self._buf[:, max(rest, 0):] = 0
        self._filled = max(rest, 0)
        self._top = end

    def close(self) -> None:
        if self._top < self.height and self._filled:
            self._flush(self.height)


def output_env() -> rasterio.Env:
    """GDAL settings for writing outputs (enter it in the thread that writes): the mask
    band goes inside the GeoTIFF, not into a .msk sidecar."""
    return rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True)
