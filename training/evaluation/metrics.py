"""Image-quality metrics measured per distortion region, as in the DEM-fusion paper.

The paper asks *where* a translation can be trusted, so MSE, PSNR and SSIM are measured
separately on foreshortened, shadowed and undistorted pixels as well as on the whole image.
Images are ``(3, H, W)`` arrays in [0, 1]; a region is a boolean ``(H, W)`` mask. Pixels
without valid optical truth are never counted.

SSIM uses scikit-image (Gaussian window, sigma 1.5, population covariance, data range 1):
its full SSIM map is averaged over the region's pixels, then over the channels. Dataset
scores pool pixels over all images (``RegionAccumulator``), so a patch holding three
shadow pixels weighs three pixels, not one image.
"""
from __future__ import annotations

import math

import numpy as np
from skimage.metrics import structural_similarity

from ...core.distortion.codes import FORESHORTENING, LAYOVER, NODATA, NONE, SHADOW
from ...core.errors import InputError

REGIONS: tuple[str, ...] = ("global", "foreshortening", "non_distorted", "shadow")
REGION_LABELS: dict[str, str] = {
    "global": "Global",
    "foreshortening": "Foreshortening",
    "non_distorted": "Non-distorted",
    "shadow": "Shadow",
}
_REGION_CODES: dict[str, tuple[int, ...]] = {
    "foreshortening": (FORESHORTENING, LAYOVER),  # layover: the extreme foreshortening
    "non_distorted": (NONE,),
    "shadow": (SHADOW,),
}
SSIM_SIGMA = 1.5
SSIM_WIN = 11  # scikit-image's window for sigma 1.5: 2 * int(3.5 * sigma + 0.5) + 1


def _as_images(pred: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if pred.shape != truth.shape:
        raise InputError(f"Prediction shape {pred.shape} differs from truth shape "
                         f"{truth.shape}; compare images of the same size.")
    if pred.ndim == 2:
        pred, truth = pred[None], truth[None]
    if pred.ndim != 3:
        raise InputError(f"Images must be (C, H, W) or (H, W), got shape {pred.shape}.")
    return pred, truth


def _as_mask(mask: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    if mask is None:
        return np.ones(shape, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != shape:
        raise InputError(f"Mask shape {mask.shape} differs from image size {shape}; "
                         "give one boolean value per pixel.")
    return mask


def mse(pred: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean squared error over the mask's pixels and all channels (NaN for an empty mask)."""
    pred, truth = _as_images(pred, truth)
    mask = _as_mask(mask, pred.shape[1:])
    if not mask.any():
        return math.nan
    diff = pred[:, mask] - truth[:, mask]
    return float(np.mean(diff * diff))


def psnr_from_mse(value: float, data_range: float = 1.0) -> float:
    """PSNR in dB; infinite for a perfect match, NaN when the MSE is undefined."""
    if not math.isfinite(value):
        return math.nan
    if value <= 0.0:
        return math.inf
    return float(10.0 * math.log10(data_range * data_range / value))


def psnr(pred: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None,
         data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio over the mask's pixels (images in [0, data_range])."""
    return psnr_from_mse(mse(pred, truth, mask), data_range)


def ssim_map(pred: np.ndarray, truth: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """scikit-image's full SSIM map, ``(C, H, W)``, Gaussian window of sigma 1.5."""
    pred, truth = _as_images(pred, truth)
    if min(pred.shape[1:]) < SSIM_WIN:
        raise InputError(f"Images of {pred.shape[1]}x{pred.shape[2]} px are smaller than the "
                         f"{SSIM_WIN}x{SSIM_WIN} SSIM window; evaluate patches of at least "
                         f"{SSIM_WIN} px per side.")
    pred = np.nan_to_num(pred, nan=0.0)
    truth = np.nan_to_num(truth, nan=0.0)
    _, full = structural_similarity(truth, pred, data_range=data_range, channel_axis=0,
                                    gaussian_weights=True, sigma=SSIM_SIGMA,
                                    use_sample_covariance=False, full=True)
    return np.asarray(full, dtype=np.float64)


def ssim(pred: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None,
         data_range: float = 1.0) -> float:
    """Mean SSIM over the mask's pixels (then channels); NaN for an empty mask."""
    full = ssim_map(pred, truth, data_range)
    mask = _as_mask(mask, full.shape[1:])
    if not mask.any():
        return math.nan
    return float(full[:, mask].mean())


def region_masks(distortion_codes: np.ndarray | None, valid: np.ndarray | None = None,
                 shape: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
    """Boolean masks of the four evaluation regions.

    ``global`` is every valid pixel; foreshortening is codes 1 and 2 (layover included),
    shadow code 3, non-distorted code 0. Code 255 (no data) is excluded everywhere.
    Without codes only the global region is known; the others come back empty.
    """
    if distortion_codes is None:
        if valid is None and shape is None:
            raise InputError("region_masks needs distortion codes, a valid mask or a shape.")
        size = np.asarray(valid).shape if valid is not None else tuple(shape)
        ok = _as_mask(valid, size)
        empty = np.zeros(size, dtype=bool)
        return {"global": ok, **{name: empty for name in _REGION_CODES}}
    codes = np.asarray(distortion_codes)
    if codes.ndim == 3 and codes.shape[0] == 1:
        codes = codes[0]
    ok = _as_mask(valid, codes.shape) & (codes != NODATA)
    masks = {"global": ok}
    for name, values in _REGION_CODES.items():
        masks[name] = ok & np.isin(codes, values)
    return masks


class RegionAccumulator:
    """Pools squared errors and SSIM-map values per region over many images."""

    def __init__(self, data_range: float = 1.0) -> None:
        self.data_range = data_range
        self._sse = dict.fromkeys(REGIONS, 0.0)
        self._ssim = dict.fromkeys(REGIONS, 0.0)
        self._pixels = dict.fromkeys(REGIONS, 0)
        self._channels = 0
        self.images = 0

    def add(self, pred: np.ndarray, truth: np.ndarray, codes: np.ndarray | None,
            valid: np.ndarray | None = None) -> None:
        pred, truth = _as_images(pred, truth)
        masks = region_masks(codes, valid, shape=pred.shape[1:])
        if masks["global"].shape != pred.shape[1:]:
            raise InputError(f"Distortion codes {masks['global'].shape} and image "
                             f"{pred.shape[1:]} differ in size; use codes of the same patch.")
        full = ssim_map(pred, truth, self.data_range)
        sq = (pred - truth) ** 2
        self._channels = pred.shape[0]
        self.images += 1
        for name, mask in masks.items():
            count = int(mask.sum())
            if count == 0:
                continue
            self._sse[name] += float(sq[:, mask].sum())
            self._ssim[name] += float(full[:, mask].sum())
            self._pixels[name] += count

    def result(self) -> dict[str, dict[str, float]]:
        """``{region: {"mse", "ssim", "psnr", "pixels"}}``; NaN where a region is empty."""
        out: dict[str, dict[str, float]] = {}
        for name in REGIONS:
            n = self._pixels[name]
            values = n * max(self._channels, 1)
            err = self._sse[name] / values if n else math.nan
            out[name] = {
                "mse": err,
                "ssim": self._ssim[name] / values if n else math.nan,
                "psnr": psnr_from_mse(err, self.data_range),
                "pixels": n,
            }
        return out


def evaluate_regions(pred: np.ndarray, truth: np.ndarray, codes: np.ndarray | None,
                     valid: np.ndarray | None = None, data_range: float = 1.0
                     ) -> dict[str, dict[str, float]]:
    """MSE, SSIM, PSNR and pixel count of one image for each region (see ``region_masks``)."""
    acc = RegionAccumulator(data_range)
    acc.add(pred, truth, codes, valid)
    return acc.result()

