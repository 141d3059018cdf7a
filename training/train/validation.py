"""Validation of a run: L1, MSE, SSIM, PSNR over valid pixels, pooled over all patches.

Predictions go through ``model.predict`` (unit-scaled in, RGB in [0, 1] out), exactly as
translation does. SSIM is core.metrics' (scikit-image, Gaussian window) so the numbers
match ``sardine evaluate``. Sums are pooled across DDP ranks before dividing.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ...core.models.base import TranslationModel
from ..evaluation.metrics import psnr_from_mse, ssim_map
from .amp import Amp
from .ddp import DistContext


def predict_batch(model: TranslationModel, batch: dict, amp: Amp) -> torch.Tensor:
    """(B, 3, H, W) float32 predictions in [0, 1] on the CPU."""
    sar = amp.to_device(batch["sar"])
    dem = amp.to_device(batch["dem"]) if model.spec.uses_dem else None
    with amp.autocast():
        pred = model.predict(sar, dem)
    return pred.float().cpu()


def validate(model: TranslationModel, loader, amp: Amp, ctx: DistContext) -> dict[str, float]:
    """Pooled validation metrics; the model is put in eval mode and left there."""
    model.eval()
    sums = [0.0, 0.0, 0.0, 0.0]  # |err|, err^2, ssim, valid pixel-channels
    for batch in loader:
        pred = predict_batch(model, batch, amp).numpy().astype(np.float64)
        truth = batch["optical"].numpy().astype(np.float64)
        valid = batch["valid"].numpy()[:, 0]
        for i in range(pred.shape[0]):
            mask = valid[i]
            count = int(mask.sum())
            if count == 0:
                continue
            diff = pred[i][:, mask] - truth[i][:, mask]
            sums[0] += float(np.abs(diff).sum())
            sums[1] += float((diff * diff).sum())
            sums[2] += float(ssim_map(pred[i], truth[i])[:, mask].sum())
            sums[3] += count * pred.shape[1]
    l1, sse, ssim_sum, n = ctx.sum(sums)
    if n == 0:
        return {"val_l1": math.nan, "val_mse": math.nan, "val_ssim": math.nan,
                "val_psnr": math.nan}
    mse = sse / n
    return {"val_l1": l1 / n, "val_mse": mse, "val_ssim": ssim_sum / n,
            "val_psnr": psnr_from_mse(mse)}


def mean_colour_baseline(train_loader, val_loader) -> dict[str, float]:
    """Metrics of predicting the training set's mean colour everywhere (a trivial baseline
    any useful model must beat)."""
    total = torch.zeros(3, dtype=torch.float64)
    pixels = 0
    for batch in train_loader:
        valid = batch["valid"].expand_as(batch["optical"])
        total += (batch["optical"].double() * valid).sum(dim=(0, 2, 3))
        pixels += int(batch["valid"].sum())
    mean = (total / max(pixels, 1)).float()
    sums = [0.0, 0.0, 0.0, 0.0]
    for batch in val_loader:
        truth = batch["optical"].numpy().astype(np.float64)
        valid = batch["valid"].numpy()[:, 0]
        const = np.broadcast_to(mean.numpy()[:, None, None].astype(np.float64),
                                truth.shape[1:]).copy()
        for i in range(truth.shape[0]):
            mask = valid[i]
            if not mask.any():
                continue
            diff = const[:, mask] - truth[i][:, mask]
            sums[0] += float(np.abs(diff).sum())
            sums[1] += float((diff * diff).sum())
            sums[2] += float(ssim_map(const, truth[i])[:, mask].sum())
            sums[3] += int(mask.sum()) * 3
    n = max(sums[3], 1)
    mse = sums[1] / n
    return {"mean_rgb": [float(v) for v in mean], "val_l1": sums[0] / n, "val_mse": mse,
            "val_ssim": sums[2] / n, "val_psnr": psnr_from_mse(mse)}
