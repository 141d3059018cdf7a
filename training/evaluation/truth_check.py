"""How close a translation comes to an optical ground truth, next to the trivial answer.

The demo prints this so that "the translation resembles the truth" is a measured claim,
not a look at a picture: MSE and SSIM of the translation, and of an image filled with the
truth's own mean colour (a baseline that any useful model must beat).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import rasterio

from ...core.errors import InputError
from .metrics import mse, ssim

MAX_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class TruthCheck:
    model_mse: float
    model_ssim: float
    mean_colour_mse: float
    mean_colour_ssim: float
    pixels: int

    def summary(self) -> str:
        return (f"against the ground truth ({self.pixels:,} valid px): MSE {self.model_mse:.4f}, "
                f"SSIM {self.model_ssim:.3f}; mean-colour baseline: MSE "
                f"{self.mean_colour_mse:.4f}, SSIM {self.mean_colour_ssim:.3f}")


def _rgb(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    with rasterio.open(path) as src:
        if src.count < 3:
            raise InputError(f"{path} has {src.count} band(s); an RGB image needs 3.")
        if src.width * src.height > MAX_PIXELS:
            raise InputError(f"{path} is {src.width}x{src.height} px; the ground-truth check "
                             "reads whole images and stops at 4096x4096. Use `sardine "
                             "evaluate` on patches for larger scenes.")
        rgb = src.read((1, 2, 3)).astype(np.float32) / 255.0
        valid = src.dataset_mask() > 0
    return rgb, valid


def check_against_truth(pred_path: str | os.PathLike, truth_path: str | os.PathLike
                        ) -> TruthCheck:
    """Metrics of a uint8 RGB translation against a uint8 RGB truth on the same grid."""
    pred, pred_valid = _rgb(pred_path)
    truth, truth_valid = _rgb(truth_path)
    if pred.shape != truth.shape:
        raise InputError(f"{pred_path} is {pred.shape[2]}x{pred.shape[1]} px but the truth "
                         f"{truth_path} is {truth.shape[2]}x{truth.shape[1]}; they must share "
                         "a grid.")
    valid = pred_valid & truth_valid
    if not valid.any():
        raise InputError(f"{pred_path} and {truth_path} share no valid pixel.")
    mean = truth[:, valid].mean(axis=1)
    flat = np.broadcast_to(mean[:, None, None], truth.shape).astype(np.float32)
    return TruthCheck(model_mse=mse(pred, truth, valid), model_ssim=ssim(pred, truth, valid),
                      mean_colour_mse=mse(flat, truth, valid),
                      mean_colour_ssim=ssim(flat, truth, valid), pixels=int(valid.sum()))
