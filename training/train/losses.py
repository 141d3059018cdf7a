"""Losses that respect the validity mask: cloudy, snowy or no-data optical pixels are not
trained on (they are not black targets, they are unknown)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def masked_l1(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over valid pixels and all channels (0 when nothing is valid).

    ``valid`` is (B, 1, H, W) bool; the mean is taken in float32 even under autocast.
    """
    weight = valid.to(torch.float32).expand_as(target)
    diff = (pred.float() - target.float()).abs() * weight
    return diff.sum() / weight.sum().clamp_min(1.0)


def masked_mse(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean squared error over valid pixels and all channels (0 when nothing is valid).

    Why besides L1: L1 pulls each pixel to the median colour, MSE to the mean; on real
    Sentinel-2, whose reflectances are skewed towards bright pixels, the median is darker,
    so an L1-trained model comes out darker than the mean colour MSE rewards (and, briefly
    trained on real pairs, scored worse than that flat colour: docs/RESULTS.md)."""
    weight = valid.to(torch.float32).expand_as(target)
    diff = (pred.float() - target.float()).square() * weight
    return diff.sum() / weight.sum().clamp_min(1.0)


SUPERVISED_LOSSES = {"l1": masked_l1, "mse": masked_mse}


def patch_weights(valid: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(B, 1, h, w) weights for a PatchGAN output map: 1 where the receptive field is all
    valid, 0 where it touches an invalid pixel (so clouds neither look real nor fake)."""
    frac = F.adaptive_avg_pool2d(valid.to(torch.float32), size)
    return (frac > 0.999).to(torch.float32)


def gan_loss(logits: torch.Tensor, real: bool, mode: str,
             weight: torch.Tensor | None = None) -> torch.Tensor:
    """Adversarial loss on a discriminator output map.

    ``mode`` "vanilla": binary cross-entropy on logits (pix2pix); "lsgan": mean squared
    error to 1/0 (CycleGAN). ``weight`` (from ``patch_weights``) masks patches out.
    """
    logits = logits.float()
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    if mode == "vanilla":
        per = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    elif mode == "lsgan":
        per = (logits - target) ** 2
    else:
        raise ValueError(f"unknown GAN loss mode {mode!r}")
    if weight is None:
        return per.mean()
    weight = weight.expand_as(per)
    return (per * weight).sum() / weight.sum().clamp_min(1.0)
