"""The adaptation loss: masked L1 (colours) + SSIM and gradient terms (texture).

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


def masked_ssim_map(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor
                    ) -> torch.Tensor:
    """(B, C, H, W) SSIM map (Gaussian window, data range 1) whose local statistics use
    valid pixels only: an invalid pixel's truth (a cloud top) or prediction never enters."""
    channels = pred.shape[1]
    kernel = _gaussian(channels, pred.device)
    pad = SSIM_SIZE // 2
    mask = valid.to(torch.float32).expand_as(pred)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, (pad,) * 4, mode="reflect"), kernel, groups=channels)

    pred, target = pred * mask, target * mask
    weight = blur(mask).clamp_min(1e-6)
    mu_p, mu_t = blur(pred) / weight, blur(target) / weight
    var_p = blur(pred * pred) / weight - mu_p ** 2
    var_t = blur(target * target) / weight - mu_t ** 2
    cov = blur(pred * target) / weight - mu_p * mu_t
    return ((2 * mu_p * mu_t + _C1) * (2 * cov + _C2)) / \
        ((mu_p ** 2 + mu_t ** 2 + _C1) * (var_p + var_t + _C2))


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


def adapt_loss(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor,
               weights: tuple[float, float, float]) -> tuple[torch.Tensor, dict[str, float]]:
    """Weighted sum of the three terms (weights: L1, SSIM, gradient) and each term's value."""
    w_l1, w_ssim, w_grad = weights
    terms = {"l1": masked_l1(pred, target, valid)}
    if w_ssim:
        terms["ssim"] = masked_ssim_loss(pred, target, valid)
    if w_grad:
        terms["grad"] = masked_gradient_l1(pred, target, valid)
    total = w_l1 * terms["l1"] + w_ssim * terms.get("ssim", 0.0) + \
        w_grad * terms.get("grad", 0.0)
    return total, {k: float(v.detach()) for k, v in terms.items()}
