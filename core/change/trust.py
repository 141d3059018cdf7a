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
- colour: from the CIELAB error expected of the translated pixel, ``E``, a polynomial of its
  chroma and lightness and of the 7x7-mean SAR backscatter (dB) it was translated from,
  with the coefficients of the weights' own calibration (``core/trust_calibration.py``,
  fitted by ``sardine evaluate-trust --fit-out``) or, for weights without one, the fallback
  fitted for the bundled sardinet-late; mapped to 1 at ``good`` or less and 0 at ``bad`` or
  more. Why: on simulated scenes the per-pixel error grows with how vivid and how light the
  predicted colour is (vivid greens, bright snow vary more than the grey rock the model
  paints well), and water and other dark, smooth backscatter is painted a colour the model
  cannot know (its error is among the highest although its colour is dark); the model's
  spread under test-time flips did not rank the error (docs/CHANGE.md) and costs a second
  translation.
"""
from __future__ import annotations

import numpy as np

from ..distortion.codes import FORESHORTENING, LAYOVER, NODATA, NONE, SHADOW
from ..normalization import Normalization
from ..trust_calibration import TrustCalibration, calibration_in_use

DISTORTION_TRUST = {NONE: 1.0, FORESHORTENING: 0.9, LAYOVER: 0.0, SHADOW: 0.0, NODATA: 0.0}
TRUST_DESCRIPTION = "trust: distortion x domain x colour component (0 do not trust .. 1)"
DISTORTION_DESCRIPTION = ("distortion component: none 1, foreshortening 0.9, layover/shadow/no "
                          "height 0")
DOMAIN_DESCRIPTION = ("domain component: 1 inside the weights' SAR dB ranges and DEM "
                      "0..dem_max, 0 outside")
NO_DEM_NOTE = " (no DEM given: not computed, set to 1)"


def band_descriptions(calibration: TrustCalibration, own: bool, with_dem: bool
                      ) -> tuple[str, ...]:
    """The four bands' descriptions; the colour one names the calibration used."""
    whose = ("the weights' own calibration" if own else
             "FALLBACK calibration (these weights carry none; fit one with sardine "
             "evaluate-trust --fit-out)")
    colour = (f"colour component: expected CIELAB error {calibration.describe()} "
              "(chroma, lightness: CIELAB of the translation; sarN: 7x7 mean dB of SAR "
              f"band N), 1 at E <= {calibration.good:.3g} .. 0 at E >= "
              f"{calibration.bad:.3g}; {whose}: {calibration.fitted_on}")
    distortion = DISTORTION_DESCRIPTION + ("" if with_dem else NO_DEM_NOTE)
    return (TRUST_DESCRIPTION, distortion, DOMAIN_DESCRIPTION, colour)


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


def colour_features(lab: np.ndarray, sar_db: np.ndarray, norm: Normalization
                    ) -> dict[str, np.ndarray]:
    """The calibration's features of one translation: chroma and lightness of its (3, H, W)
    CIELAB, and its (C, H, W) smoothed SAR in dB clipped to the weights' ranges."""
    features = {"chroma": np.hypot(lab[1], lab[2]), "lightness": lab[0]}
    for i, (band, (low, high)) in enumerate(zip(sar_db, norm.sar_db_ranges, strict=False)):
        features[f"sar{i + 1}"] = np.clip(band, low, high)
    return features


def expected_colour_error(lab: np.ndarray, sar_db: np.ndarray, norm: Normalization,
                          calibration: TrustCalibration | None = None) -> np.ndarray:
    """(3, H, W) CIELAB of a translation and its SAR -> the CIELAB error expected (with
    the fallback calibration when none is given)."""
    calibration = calibration_in_use(calibration, len(norm.sar_bands))[0]
    return calibration.expected_error(colour_features(lab, sar_db, norm))


def colour_trust(optical_lab: list[np.ndarray], sar_db: list[np.ndarray], norm: Normalization,
                 calibration: TrustCalibration | None = None) -> np.ndarray:
    """The colour component of CIELAB translations (``metrics.srgb_to_lab``) each with the
    SAR it came from: the lowest over them (pre and post for a change: a change is only as
    trustworthy as the less trustworthy of its two images)."""
    calibration = calibration_in_use(calibration, len(norm.sar_bands))[0]
    parts = [calibration.colour_trust(colour_features(lab, sar, norm))
             for lab, sar in zip(optical_lab, sar_db, strict=True)]
    return np.minimum.reduce(parts).astype(np.float32)


def trust_bands(codes: np.ndarray | None, sar_db: list[np.ndarray], dem_m: np.ndarray | None,
                norm: Normalization, valid: np.ndarray,
                optical_lab: list[np.ndarray] | None = None,
                calibration: TrustCalibration | None = None) -> np.ndarray:
    """(4, H, W) float32: trust, distortion, domain and colour components; NaN outside
    ``valid``. Without translations (``optical_lab`` empty) the colour component is 1;
    ``optical_lab[i]`` is the translation of ``sar_db[i]``."""
    dist = distortion_trust(codes, valid.shape)
    dom = domain_trust(sar_db, dem_m, norm)
    colour = (colour_trust(optical_lab, sar_db, norm, calibration) if optical_lab
              else np.ones(valid.shape, np.float32))
    out = np.stack([dist * dom * colour, dist, dom, colour]).astype(np.float32)
    out[:, ~valid] = np.nan
    return out
