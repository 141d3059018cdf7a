"""The adaptation loss: masked L1 (colours) + SSIM, gradient and contrast terms (texture).

L1 alone gives the right colours but a blur on real scenes (docs/ADAPT.md): the
gradient term asks edges to be as strong and as placed as the truth's, SSIM asks for local
contrast and structure. Every term counts only valid (clear, training-part) pixels.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..train.losses import masked_l1

SSIM_SIGMA = 1.5
SSIM_SIZE = 11
_C1, _C2 = 0.01 ** 2, 0.03 ** 2


def _gaussian(channels: int, device: torch.device) -> torch.Tensor:
    x = torch.arange(SSIM_SIZE, dtype=torch.float32, device=device) - SSIM_SIZE // 2
    g = torch.exp(-(x ** 2) / (2 * SSIM_SIGMA ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, SSIM_SIZE, SSIM_SIZE).contiguous()


def _masked_stats(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor):
    """Local Gaussian means, variances and covariance from valid pixels only: an invalid
    pixel's truth (a cloud top) or prediction never enters."""
    channels = pred.shape[1]
    kernel = _gaussian(channels, pred.device)
    pad = SSIM_SIZE // 2
    mask = valid.to(torch.float32).expand_as(pred)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, (pad,) * 4, mode="reflect"), kernel, groups=channels)

    pred, target = pred * mask, target * mask
    weight = blur(mask).clamp_min(1e-6)
    mu_p, mu_t = blur(pred) / weight, blur(target) / weight
    var_p = (blur(pred * pred) / weight - mu_p ** 2).clamp_min(0.0)
    var_t = (blur(target * target) / weight - mu_t ** 2).clamp_min(0.0)
    cov = blur(pred * target) / weight - mu_p * mu_t
    return mu_p, mu_t, var_p, var_t, cov


def masked_ssim_map(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
                    ) -> torch.Tensor:
    """(B, C, H, W) SSIM map (Gaussian window sigma 1.5, data range 1), valid pixels only."""
    mu_p, mu_t, var_p, var_t, cov = _masked_stats(pred, target, valid)
    return ((2 * mu_p * mu_t + _C1) * (2 * cov + _C2)) / \
        ((mu_p ** 2 + mu_t ** 2 + _C1) * (var_p + var_t + _C2))


def masked_contrast_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
                         ) -> torch.Tensor:
    """Mean |local std of the prediction - local std of the truth| over valid pixels: asks
    for as much texture as the truth has without asking where each edge lies (L1 and
    SSIM alone, unsure of the exact place, answer with a blur)."""
    _, _, var_p, var_t, _ = _masked_stats(pred.float(), target.float(), valid)
    weight = valid.to(torch.float32).expand_as(pred)
    diff = ((var_p + 1e-6).sqrt() - (var_t + 1e-6).sqrt()).abs() * weight
    return diff.sum() / weight.sum().clamp_min(1.0)


def masked_luma_contrast_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
                              ) -> torch.Tensor:
    """The contrast term on the mean of the colour channels: texture asked for in
    brightness only, so it cannot be met by pushing one channel alone (a hue shift: the
    salmon-pink fields of the per-channel term at high weights, docs/ADAPT.md)."""
    return masked_contrast_loss(pred.mean(dim=1, keepdim=True),
                                target.mean(dim=1, keepdim=True), valid)


def masked_ssim_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
                     ) -> torch.Tensor:
    """1 - mean SSIM over valid pixels (statistics from valid pixels only)."""
    weight = valid.to(torch.float32).expand_as(pred)
    values = masked_ssim_map(pred.float(), target.float(), valid) * weight
    return 1.0 - values.sum() / weight.sum().clamp_min(1.0)


def masked_gradient_l1(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
                       ) -> torch.Tensor:
    """L1 between horizontal and vertical differences, where both pixels are valid."""
    v = valid.to(torch.float32)
    total = pred.new_zeros((), dtype=torch.float32)
    count = pred.new_zeros((), dtype=torch.float32)
    for dim in (-1, -2):
        dp = torch.diff(pred.float(), dim=dim)
        dt = torch.diff(target.float(), dim=dim)
        both = (v.narrow(dim, 0, v.shape[dim] - 1) * v.narrow(dim, 1, v.shape[dim] - 1))
        both = both.expand_as(dp)
        total = total + ((dp - dt).abs() * both).sum()
        count = count + both.sum()
    return total / count.clamp_min(1.0)


TERMS = {"l1": masked_l1, "ssim": masked_ssim_loss, "grad": masked_gradient_l1,
         "contrast": masked_contrast_loss, "luma_contrast": masked_luma_contrast_loss}


def adapt_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor,
               weights: dict[str, float]) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted sum of the terms named in ``weights`` (zero weights are skipped) and each
    term's value."""
    total = pred.new_zeros((), dtype=torch.float32)
    values: dict[str, float] = {}
    for name, weight in weights.items():
        if weight:
            term = TERMS[name](pred, target, valid)
            total = total + weight * term
            values[name] = float(term.detach())
    return total, values
