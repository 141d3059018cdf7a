"""Contrast enhancement of a translation (paper section 4.2.3): Laplacian sharpening and
Wiener deconvolution of a 9x9 Gaussian blur of standard deviation 29.

Both are written as one finite convolution kernel applied to a reflect-padded image, so a
window enhanced with ``enhancement_margin(method)`` pixels of real context around it is
identical to the same window cut out of the whole enhanced image: the translation engine
enhances window by window, the evaluation enhances whole patches, and both agree.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import fftconvolve

from .errors import InputError

METHODS = ("none", "laplacian", "wiener")

WIENER_PSF_SIZE = 9
WIENER_PSF_SIGMA = 29.0
# Regularisation weight of the Wiener-Hunt filter (Laplacian regulariser, as
# scikit-image's ``restoration.wiener``). The paper does not give it; 1.0 amplifies mid
# frequencies at most 1.9x and keeps the mean, a visible but ringing-free sharpening.
WIENER_BALANCE = 1.0
# The exact Wiener filter has infinite support; 99.9 % of its absolute mass lies within
# this radius, and the truncated kernel is renormalised to keep the mean brightness.
WIENER_RADIUS = 48
_FFT_GRID = 512

_LAPLACIAN_SHARPEN = np.array([[0.0, -1.0, 0.0],
                               [-1.0, 5.0, -1.0],
                               [0.0, -1.0, 0.0]], dtype=np.float64)  # identity - Laplacian


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"Unknown enhancement {method!r}; choose one of {', '.join(METHODS)}.")


def gaussian_psf(size: int = WIENER_PSF_SIZE, sigma: float = WIENER_PSF_SIGMA) -> np.ndarray:
    """Normalised ``size x size`` Gaussian blur kernel (the paper's degradation model)."""
    ax = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    psf = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2.0 * sigma ** 2))
    return psf / psf.sum()


def _transfer(kernel: np.ndarray, n: int) -> np.ndarray:
    """Frequency response on an ``n x n`` grid of a centred odd-sized kernel."""
    grid = np.zeros((n, n), dtype=np.float64)
    kh, kw = kernel.shape
    grid[:kh, :kw] = kernel
    return np.fft.fft2(np.roll(grid, (-(kh // 2), -(kw // 2)), axis=(0, 1)))


@lru_cache(maxsize=8)
def wiener_kernel(balance: float = WIENER_BALANCE, radius: int = WIENER_RADIUS) -> np.ndarray:
    """Spatial kernel of the Wiener-Hunt deconvolution filter, truncated to ``radius``.

    G = conj(H) / (|H|^2 + balance |L|^2) with H the Gaussian PSF and L the Laplacian;
    L(0) = 0 so the filter keeps the mean. Read-only array of shape (2r+1, 2r+1).
    """
    n = max(_FFT_GRID, 4 * radius + 4)
    h = _transfer(gaussian_psf(), n)
    lap = _transfer(np.array([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]), n)
    response = np.conj(h) / (np.abs(h) ** 2 + balance * np.abs(lap) ** 2)
    full = np.fft.fftshift(np.real(np.fft.ifft2(response)))
    c = n // 2
    kernel = full[c - radius:c + radius + 1, c - radius:c + radius + 1].copy()
    kernel /= kernel.sum()
    kernel.setflags(write=False)
    return kernel


def enhancement_kernel(method: str) -> np.ndarray | None:
    """The convolution kernel ``method`` applies (None for 'none')."""
    _check_method(method)
    if method == "laplacian":
        return _LAPLACIAN_SHARPEN
    if method == "wiener":
        return wiener_kernel()
    return None


def enhancement_margin(method: str) -> int:
    """Pixels of context a window needs on each side to be enhanced seam-free."""
    kernel = enhancement_kernel(method)
    return 0 if kernel is None else kernel.shape[0] // 2


def enhance(rgb: np.ndarray, method: str) -> np.ndarray:
    """Enhance an image (..., H, W) with values in [0, 1]; returns float32 in [0, 1].

    Image edges are reflect-padded (numpy 'reflect'), so a window cut with
    ``enhancement_margin(method)`` pixels of context gives the same pixels as the whole
    image. Inputs must be finite: fill nodata before enhancing.
    """
    kernel = enhancement_kernel(method)
    image = np.asarray(rgb, dtype=np.float32)
    if kernel is None:
        return image.copy()
    if image.ndim < 2:
        raise InputError(f"enhance() needs an image (..., H, W), got shape {image.shape}.")
    r = kernel.shape[0] // 2
    pad = [(0, 0)] * (image.ndim - 2) + [(r, r), (r, r)]
    padded = np.pad(image, pad, mode="reflect") if min(image.shape[-2:]) > 1 \
        else np.pad(image, pad, mode="edge")
    k = kernel.astype(np.float32).reshape((1,) * (image.ndim - 2) + kernel.shape)
    if method == "laplacian":
        out = _small_convolve(padded, kernel, r)
    else:
        out = fftconvolve(padded, k, mode="valid", axes=(-2, -1))
    return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)


def _small_convolve(padded: np.ndarray, kernel: np.ndarray, r: int) -> np.ndarray:
    """Direct 'valid' convolution for a small kernel (cheaper than an FFT)."""
    h = padded.shape[-2] - 2 * r
    w = padded.shape[-1] - 2 * r
    out = np.zeros(padded.shape[:-2] + (h, w), dtype=np.float32)
    for dy in range(kernel.shape[0]):
        for dx in range(kernel.shape[1]):
            weight = kernel[kernel.shape[0] - 1 - dy, kernel.shape[1] - 1 - dx]
            if weight:
                out += np.float32(weight) * padded[..., dy:dy + h, dx:dx + w]
    return out
