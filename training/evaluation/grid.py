"""Checkerboard / grid artefacts: excess spectral energy at a decoder's upsampling period.

Why: a decoder that upsamples by 2 three times (1/8 -> 1/1) can leave a regular pattern of
period 2, 4 or 8 pixels (uneven overlap of transposed convolutions, sub-pixel shuffles). Such
a pattern puts isolated peaks in the image's spectrum at the frequencies (a/p, b/p) cycles
per pixel (a, b = 0..p-1, not both 0) of the period p, while natural images have a smooth
spectrum there. The measure is the power at those lattice frequencies divided by the power
the smooth surroundings predict there (from the median of the ring of bins at Chebyshev
distance 2 to 3 around each one), summed over the lattice: about 1 for a natural image or
noise, much more with a grid. Report it for the prediction next to the same number for the truth.
"""
from __future__ import annotations

import numpy as np

DECODER_PERIOD = 8  # SARDINet's decoder: three x2 upsamplings


def _power(channel: np.ndarray) -> np.ndarray:
    """Power spectrum of a mean-removed, Hann-windowed channel (fftshift not applied)."""
    h, w = channel.shape
    window = np.outer(np.hanning(h), np.hanning(w))
    x = (channel - channel.mean()) * window
    return np.abs(np.fft.fft2(x)) ** 2


def _ring_median(power: np.ndarray, fy: int, fx: int) -> float:
    h, w = power.shape
    values = [power[(fy + dy) % h, (fx + dx) % w]
              for dy in range(-3, 4) for dx in range(-3, 4) if max(abs(dy), abs(dx)) >= 2]
    # A bin's power is exponentially distributed around the smooth spectrum: median = ln 2
    # times the mean, so dividing by ln 2 estimates the mean the peak is compared with.
    return float(np.median(values)) / np.log(2.0)


def grid_excess(image: np.ndarray, period: int = DECODER_PERIOD) -> float:
    """Lattice power / smooth-surroundings power of a (C, H, W) or (H, W) image (channels
    summed); H and W must be multiples of ``period`` (crop before calling)."""
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        image = image[None]
    _, h, w = image.shape
    if h % period or w % period or h < 4 * period or w < 4 * period:
        raise ValueError(f"grid_excess needs sides that are multiples of {period} and at "
                         f"least {4 * period} px; got {h} x {w}")
    peaks = background = 0.0
    for channel in image:
        power = _power(channel)
        for a in range(period):
            for b in range(period):
                if a == 0 and b == 0:
                    continue
                fy, fx = a * h // period, b * w // period
                peaks += float(power[fy, fx])
                background += _ring_median(power, fy, fx)
    return peaks / max(background, 1e-30)


def crop_to_period(image: np.ndarray, period: int = DECODER_PERIOD) -> np.ndarray:
    """The largest top-left crop whose sides are multiples of ``period``."""
    h, w = image.shape[-2:]
    return image[..., : h - h % period, : w - w % period]
