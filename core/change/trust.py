"""The per-pixel trust layer (docs/CHANGE.md): where a translated pixel can be believed.

trust = distortion component x domain component, each in [0, 1]:
- distortion: 1 where the radar sees the slope plainly, 0.5 under foreshortening
  (compressed, brightened), 0 in layover and shadow (the pixel holds another place's echo,
  or only noise) and where no height is known; 1 everywhere when no DEM was given (unknown,
  said in the band description).
- domain: 1 where every SAR band (box-averaged like the change measures) lies inside the dB
  range the weights were normalised to, and the DEM inside 0..dem_max of the weights; 0
  outside: the model never saw such inputs (they are clipped before it runs).
The model's own spread (test-time flips, ensembles) is not part of it (not measured yet).
"""
from __future__ import annotations

import numpy as np

from ..distortion.codes import FORESHORTENING, LAYOVER, NODATA, NONE, SHADOW
from ..normalization import Normalization

DISTORTION_TRUST = {NONE: 1.0, FORESHORTENING: 0.5, LAYOVER: 0.0, SHADOW: 0.0, NODATA: 0.0}
BAND_DESCRIPTIONS = (
    "trust: distortion component x domain component (0 do not trust .. 1)",
    "distortion component: none 1, foreshortening 0.5, layover/shadow/no height 0",
    "domain component: 1 inside the weights' SAR dB ranges and DEM 0..dem_max, 0 outside",
)
NO_DEM_NOTE = " (no DEM given: not computed, set to 1)"


def distortion_trust(codes: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """Trust of each distortion code; all 1 when there is no mask (no DEM)."""
    if codes is None:
        return np.ones(shape, np.float32)
    table = np.zeros(256, np.float32)
    for code, value in DISTORTION_TRUST.items():
        table[code] = value
    return table[codes]


def domain_trust(sar_db: list[np.ndarray], dem_m: np.ndarray | None,
                 norm: Normalization) -> np.ndarray:
    """1 where every (C, H, W) dB image of ``sar_db`` and the DEM are inside the weights'
    ranges; 0 outside; NaN inputs count as outside (nothing there to trust)."""
    shape = sar_db[0].shape[1:]
    inside = np.ones(shape, bool)
    for image in sar_db:
        for band, (low, high) in zip(image, norm.sar_db_ranges, strict=False):
            inside &= (band >= low) & (band <= high)
    if dem_m is not None:
        inside &= (dem_m >= 0.0) & (dem_m <= norm.dem_max_m)
    return inside.astype(np.float32)


def trust_bands(codes: np.ndarray | None, sar_db: list[np.ndarray], dem_m: np.ndarray | None,
                norm: Normalization, valid: np.ndarray) -> np.ndarray:
    """(3, H, W) float32: trust, distortion component, domain component; NaN outside
    ``valid``."""
    dist = distortion_trust(codes, valid.shape)
    dom = domain_trust(sar_db, dem_m, norm)
    out = np.stack([dist * dom, dist, dom]).astype(np.float32)
    out[:, ~valid] = np.nan
    return out
