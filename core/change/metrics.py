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
_THIRD = np.float32(1.0 / 3.0)
_DB_TO_LN = np.float32(np.log(10.0) / 10.0)  # 10 ** (dB / 10) = exp(dB x this)


def _xyz(linear: np.ndarray) -> np.ndarray:
    """White-normalised XYZ of linear RGB (3, ...), float32, as nine multiply-adds: a BLAS
    product (``tensordot``) starts its own threads, which on a loaded machine cost 15
    times the arithmetic (measured: 8 ms against 0.5 ms per 512^2 window)."""
    xyz = np.empty(linear.shape, np.float32)
    for row, out in zip(_XYZ_MATRIX, xyz, strict=True):
        np.multiply(linear[0], row[0], out=out)
        out += linear[1] * row[1]
        out += linear[2] * row[2]
    return xyz


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(3, H, W) sRGB in 0..255 -> (3, H, W) float32 CIELAB (L*, a*, b*), D65. uint8
    input goes through a table (the translations are uint8): the costly power is skipped.
    Float32 throughout: within 1e-3 of the float64 formula (tests/test_change.py)."""
    if rgb.dtype == np.uint8:
        linear = _LINEAR_LUT[rgb]
    else:
        linear = _linear_srgb(np.asarray(rgb, np.float64) / 255.0).astype(np.float32)
    xyz = _xyz(linear)
    # x ** (1/3): numpy's vectorised float32 power, 2.5 times faster than cbrt, within
    # 2 ulp of the exact cube root
    f = np.power(xyz, _THIRD)
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
    weight = _weights(valid, size)
    squared = np.zeros(valid.shape, np.float32)
    for pre, post in zip(pre_lab, post_lab, strict=True):
        total = ndimage.uniform_filter(np.where(valid, post - pre, 0.0).astype(np.float32),
                                       size, mode="nearest")
        squared += total * total
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sqrt(squared) if weight is None else np.sqrt(squared) / weight
    out[~valid if weight is None else (weight < 1e-4) | ~valid] = np.nan
    return out


def _weights(valid: np.ndarray, size: int) -> np.ndarray | None:
    """The box mean of ``valid`` (the share of valid pixels in each box), or None where
    every pixel is valid: that mean is then exactly 1 (float32), so dividing by it is
    skipped, with identical results (tests/test_change_cost.py)."""
    if valid.all():
        return None
    return ndimage.uniform_filter(valid.astype(np.float32), size, mode="nearest")


def smoothed_db(db: np.ndarray, radius: int = SAR_RADIUS) -> np.ndarray:
    """dB of the box-averaged linear intensity (NaN pixels left out), of one (H, W) band
    or each band of a (C, H, W) image. Bands with the same valid pixels share one box
    sum of the weights; exp and log stand for the powers of 10 (vectorised in numpy,
    three times faster; within 1e-4 dB)."""
    if db.ndim == 3:
        valid_all = np.isfinite(db)
        if (valid_all == valid_all[0]).all():
            return _smoothed(db, valid_all[0], radius)
        return np.stack([_smoothed(band[None], ok, radius)[0]
                         for band, ok in zip(db, valid_all, strict=True)])
    return _smoothed(db[None], np.isfinite(db), radius)[0]


def _smoothed(db: np.ndarray, valid: np.ndarray, radius: int) -> np.ndarray:
    """``smoothed_db`` of (C, H, W) bands all valid at ``valid``."""
    size = 2 * radius + 1
    weight = _weights(valid, size)
    empty = ~valid if weight is None else (weight < 1e-4) | ~valid
    out = np.empty(db.shape, np.float32)
    for band, dst in zip(db, out, strict=True):
        power = np.where(valid, band, np.float32(0.0)).astype(np.float32, copy=False)
        power *= _DB_TO_LN
        np.exp(power, out=power)
        power[~valid] = 0.0
        total = ndimage.uniform_filter(power, size, mode="nearest")
        with np.errstate(invalid="ignore", divide="ignore"):
            np.log(total if weight is None else total / weight, out=dst)
        dst *= np.float32(1.0) / _DB_TO_LN
        dst[empty] = np.nan
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
