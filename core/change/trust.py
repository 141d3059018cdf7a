"""The per-pixel trust layer (docs/CHANGE.md): where a translated pixel can be believed.

trust = distortion x domain x colour, each component in [0, 1]:
- distortion: 1 where the radar sees the slope plainly, 0.9 under foreshortening
  (compressed, brightened: reduced, slightly, since the colour error measured there is no
  higher than elsewhere), 0 in layover and shadow (the pixel holds another place's echo, or
  only noise: a change there cannot be seen) and where no height is known; 1 everywhere
  when no DEM was given (unknown, said in the band description).
- domain: 1 where every SAR band (box-averaged like the change measures) lies inside the dB
  range the weights were normalised to, and the DEM inside 0..dem_max of the weights; 0
  outside: the model never saw such inputs (they are clipped before it runs).
- colour: from the CIELAB error expected of the translated colour itself,
  ``E = COLOUR_ERROR_COEF[0] + [1] x chroma + [2] x L*`` (fitted by least squares on
  simulated training scenes with the bundled weights: ``sardine evaluate-trust``), mapped
  to 1 at ``COLOUR_ERROR_GOOD`` or less and 0 at ``COLOUR_ERROR_BAD`` or more. Why: on
  simulated scenes the per-pixel error grows with how vivid and how light the predicted
  colour is (vivid greens, bright snow and built-up areas vary more than the grey rock
  and scree the model paints well); the model's spread under test-time flips did not
  rank the error (docs/CHANGE.md) and costs a second translation.
"""
from __future__ import annotations

import numpy as np

from ..distortion.codes import FORESHORTENING, LAYOVER, NODATA, NONE, SHADOW
from ..normalization import Normalization

DISTORTION_TRUST = {NONE: 1.0, FORESHORTENING: 0.9, LAYOVER: 0.0, SHADOW: 0.0, NODATA: 0.0}
# Expected CIELAB error = c0 + c1 * chroma + c2 * L* of the translated pixel (sardinet-late,
# simulated training seeds 10-13, 512^2; refit with ``sardine evaluate-trust``).
COLOUR_ERROR_COEF = (5.0, 0.474, 0.208)
COLOUR_ERROR_GOOD = 10.0  # expected CIELAB error at or below which the colour part is 1
COLOUR_ERROR_BAD = 60.0  # ... at or above which it is 0 (about the training maximum)
BAND_DESCRIPTIONS = (
    "trust: distortion x domain x colour component (0 do not trust .. 1)",
    "distortion component: none 1, foreshortening 0.9, layover/shadow/no height 0",
    "domain component: 1 inside the weights' SAR dB ranges and DEM 0..dem_max, 0 outside",
    f"colour component: expected CIELAB error E = {COLOUR_ERROR_COEF[0]:g} + "
    f"{COLOUR_ERROR_COEF[1]:g} chroma + {COLOUR_ERROR_COEF[2]:g} L* of the translation, "
    f"1 at E <= {COLOUR_ERROR_GOOD:g} .. 0 at E >= {COLOUR_ERROR_BAD:g}",
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


def expected_colour_error(lab: np.ndarray) -> np.ndarray:
    """(3, H, W) CIELAB of a translation -> the CIELAB error expected of each pixel."""
    chroma = np.hypot(lab[1], lab[2])
    c0, c1, c2 = COLOUR_ERROR_COEF
    return (c0 + c1 * chroma + c2 * lab[0]).astype(np.float32)


def colour_trust(optical_lab: list[np.ndarray]) -> np.ndarray:
    """The colour component of CIELAB translations (``metrics.srgb_to_lab``): the lowest
    over them (pre and post for a change: a change is only as trustworthy as the less
    trustworthy of its two images)."""
    span = COLOUR_ERROR_BAD - COLOUR_ERROR_GOOD
    parts = [np.clip((COLOUR_ERROR_BAD - expected_colour_error(lab)) / span, 0.0, 1.0)
             for lab in optical_lab]
    return np.minimum.reduce(parts).astype(np.float32)


def trust_bands(codes: np.ndarray | None, sar_db: list[np.ndarray], dem_m: np.ndarray | None,
                norm: Normalization, valid: np.ndarray,
                optical_lab: list[np.ndarray] | None = None) -> np.ndarray:
    """(4, H, W) float32: trust, distortion, domain and colour components; NaN outside
    ``valid``. Without translations (``optical_lab`` empty) the colour component is 1."""
    dist = distortion_trust(codes, valid.shape)
    dom = domain_trust(sar_db, dem_m, norm)
    colour = colour_trust(optical_lab) if optical_lab else np.ones(valid.shape, np.float32)
    out = np.stack([dist * dom * colour, dist, dom, colour]).astype(np.float32)
    out[:, ~valid] = np.nan
    return out
