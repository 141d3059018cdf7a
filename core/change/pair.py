"""Checks on a pre/post SAR pair before any work, and the post-event SAR warped onto the
pre-event grid (window by window) so both are translated on the same pixels.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import rasterio
from rasterio.warp import transform_bounds

from ..bands import band_names
from ..errors import InputError
from ..grid import RasterGrid
from ..raster_io import open_raster
from .reading import GridReader, blocks

POLARISATIONS = ("vv", "vh", "hh", "hv")


def polarisations(path: Path) -> tuple[str, ...]:
    """The polarisations the band names of ``path`` mention, in band order."""
    found = []
    for name in band_names(path):
        for pol in POLARISATIONS:
            if re.search(rf"(?<![a-z]){pol}(?![a-z])", name.lower()) and pol not in found:
                found.append(pol)
    return tuple(found)


def check_pair(pre: Path, post: Path) -> float:
    """Refuse pairs that cannot be compared; return the share of the pre-event footprint the
    post-event image covers (bounding boxes)."""
    pre_pols, post_pols = polarisations(pre), polarisations(post)
    if pre_pols and post_pols and set(pre_pols) != set(post_pols):
        raise InputError(f"The pre-event SAR {pre.name} holds {'/'.join(pre_pols).upper()} but "
                         f"the post-event SAR {post.name} holds "
                         f"{'/'.join(post_pols).upper()}; give two acquisitions with the same "
                         "polarisations.")
    with open_raster(pre, "pre-event SAR") as a, open_raster(post, "post-event SAR") as b:
        if a.crs is None or b.crs is None:
            raise InputError(f"{(pre if a.crs is None else post).name} has no coordinate "
                             "reference system; give georeferenced GeoTIFFs.")
        left, bottom, right, top = a.bounds
        pl, pb, pr, pt = transform_bounds(b.crs, a.crs, *b.bounds)
        width, height = min(right, pr) - max(left, pl), min(top, pt) - max(bottom, pb)
        if width <= 0 or height <= 0:
            raise InputError(f"The post-event SAR {post.name} does not overlap the pre-event "
                             f"SAR {pre.name}; give two acquisitions of the same area.")
        return float(width * height / ((right - left) * (top - bottom)))


def write_aligned(post: Path, bands: tuple[int, ...], linear: bool, grid: RasterGrid,
                  out: Path, progress: Callable[[float], None],
                  check_cancelled: Callable[[], None]) -> Path:
    """``post``'s VV/VH (dB) on ``grid`` (bilinear), written window by window."""
    profile = grid.profile(dtype="float32", count=len(bands), nodata=float("nan"))
    windows = list(blocks(grid))
    with GridReader(post, grid, bands, linear=linear) as reader, \
            rasterio.open(out, "w", **profile) as dst:
        for index, window in enumerate(windows, 1):
            check_cancelled()
            dst.write(reader.read(window).astype(np.float32), window=window)
            progress(index / len(windows))
        for band, name in enumerate(("VV", "VH")[:len(bands)], 1):
            dst.set_band_description(band, name)
    return out
