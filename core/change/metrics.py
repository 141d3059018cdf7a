"""Per-pixel change measures on arrays (pure numpy, no I/O): CIELAB colour difference of two
optical images, backscatter log-ratio of two SAR images, and the combined score.

Why smoothed: translated images and SAR carry speckle; a change is an area, not a pixel, so
intensities are averaged over a small box (normalised by the valid pixels in it) before the
ratio, and colour differences likewise, as multi-looking does in SAR change detection.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

SAR_RADIUS = 3  # 7x7 box for the log-ratio and the domain check
OPTICAL_RADIUS = 2  # 5x5 box for the colour difference
HALO = max(SAR_RADIUS, OPTICAL_RADIUS)
DELTA_E_REF = 20.0  # a CIE76 difference this large scores 1 (clearly another surface)
LOG_RATIO_REF_DB = 3.0  # a backscatter change this large (dB) scores 1
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])


def box_mean(values: np.ndarray, valid: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 box of the valid pixels only; NaN where the box has none."""
    size = 2 * radius + 1
    weight = ndimage.uniform_filter(valid.astype(np.float32), size, mode="nearest")
    total = ndimage.uniform_filter(np.where(valid, values, 0.0).astype(np.float32), size,
                                   mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / weight
    out[weight < 1e-4] = np.nan
    return out


def _linear_srgb(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


_LINEAR_LUT = _linear_srgb(np.arange(256) / 255.0).astype(np.float32)  # uint8 -> linear
_XYZ_MATRIX = (_RGB_TO_XYZ / _WHITE[:, None]).astype(np.float32)  # white-normalised XYZ
_EPSILON = (6 / 29) ** 3


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(3, H, W) sRGB in 0..255 -> (3, H, W) float32 CIELAB (L*, a*, b*), D65. uint8
    input goes through a table (the translations are uint8): the costly power is skipped."""
    if rgb.dtype == np.uint8:
        linear = _LINEAR_LUT[rgb]
    else:
        linear = _linear_srgb(np.asarray(rgb, np.float64) / 255.0).astype(np.float32)
    xyz = np.tensordot(_XYZ_MATRIX, linear, axes=1)
    f = np.cbrt(xyz)
    small = xyz <= _EPSILON  # the linear toe of CIELAB: few pixels, fixed in place
    f[small] = xyz[small] / (3 * (6 / 29) ** 2) + 4 / 29
    lab = np.empty_like(f)
    np.subtract(116.0 * f[1], 16.0, out=lab[0])
    np.subtract(f[0], f[1], out=lab[1])
    lab[1] *= 500.0
    np.subtract(f[1], f[2], out=lab[2])
    lab[2] *= 200.0
    return lab


def delta_e(pre_rgb: np.ndarray, post_rgb: np.ndarray, valid: np.ndarray,
            radius: int = OPTICAL_RADIUS) -> np.ndarray:
    """CIE76 colour difference of the box-averaged CIELAB colours; NaN where invalid."""
    return delta_e_lab(srgb_to_lab(pre_rgb), srgb_to_lab(post_rgb), valid, radius)


def delta_e_lab(pre_lab: np.ndarray, post_lab: np.ndarray, valid: np.ndarray,
                radius: int = OPTICAL_RADIUS) -> np.ndarray:
    """``delta_e`` of CIELAB images already converted. The box mean is linear and both
    images share ``valid``, so the mean of the difference is the difference of the means:
    one filter per channel and one for the weights, not two each."""
    size = 2 * radius + 1
    weight = ndimage.uniform_filter(valid.astype(np.float32), size, mode="nearest")
    squared = np.zeros(valid.shape, np.float32)
    for pre, post in zip(pre_lab, post_lab, strict=True):
        total = ndimage.uniform_filter(np.where(valid, post - pre, 0.0).astype(np.float32),
                                       size, mode="nearest")
        squared += total * total
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sqrt(squared) / weight
    out[(weight < 1e-4) | ~valid] = np.nan
    return out


def smoothed_db(db: np.ndarray, radius: int = SAR_RADIUS) -> np.ndarray:
    """dB of the box-averaged linear intensity (NaN pixels left out)."""
    valid = np.isfinite(db)
    power = box_mean(np.power(np.float32(10.0), np.where(valid, db, 0.0).astype(np.float32)
                              / np.float32(10.0)), valid, radius)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 10.0 * np.log10(power)
    out[~valid] = np.nan
    return out


def log_ratio(pre_smoothed_db: np.ndarray, post_smoothed_db: np.ndarray) -> np.ndarray:
    """Post minus pre of box-averaged backscatter, dB (= 10 log10 of the intensity ratio)."""
    return post_smoothed_db - pre_smoothed_db


def combined_score(delta_e_values: np.ndarray, ratios_db: np.ndarray) -> np.ndarray:
    """0..1: 1 - (1 - o)(1 - s), o = min(1, dE/DELTA_E_REF), s = min(1, max_pol |log-ratio|
    / LOG_RATIO_REF_DB): high when either the optical or the backscatter changed."""
    optical = np.clip(delta_e_values / DELTA_E_REF, 0.0, 1.0)
    sar = np.clip(np.nanmax(np.abs(ratios_db), axis=0) / LOG_RATIO_REF_DB, 0.0, 1.0)
    out = 1.0 - (1.0 - optical) * (1.0 - sar)
    out[~np.isfinite(delta_e_values) | ~np.isfinite(ratios_db).all(axis=0)] = np.nan
    return out
