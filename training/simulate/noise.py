"""Random fields by spectral synthesis: the one source of spatial randomness of the simulator.

Natural terrain and land surfaces have power-law spectra, so a white-noise field filtered in
the Fourier domain by ``(f^2 + f_c^2)^(-beta / 2)`` gives realistic texture at every scale
(``f_c``: the corner frequency below which the spectrum flattens, i.e. the largest features).
"""
from __future__ import annotations

import numpy as np


def spectral_noise(shape: tuple[int, int], pixel_size: float, rng: np.random.Generator,
                   beta: float, corner_m: float, high_pass_m: float | None = None) -> np.ndarray:
    """Zero-mean, unit-variance float32 field whose amplitude spectrum falls as f^-beta
    above 1 / ``corner_m``; ``high_pass_m`` removes features larger than that size."""
    h, w = int(shape[0]), int(shape[1])
    fy = np.fft.fftfreq(h, d=pixel_size)[:, None]
    fx = np.fft.rfftfreq(w, d=pixel_size)[None, :]
    f2 = fx * fx + fy * fy
    amp = (f2 + (1.0 / corner_m) ** 2) ** (-beta / 2.0)
    if high_pass_m is not None:
        amp *= 1.0 - np.exp(-f2 * high_pass_m ** 2)
    amp[0, 0] = 0.0
    white = rng.standard_normal((h, w))
    field = np.fft.irfft2(np.fft.rfft2(white) * amp, s=(h, w))
    std = field.std()
    return ((field - field.mean()) / (std if std > 0 else 1.0)).astype(np.float32)


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below ``lo``, 1 above ``hi``, a smooth S-curve between (for soft class borders)."""
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
