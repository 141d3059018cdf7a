"""Pad inputs to the size multiple a network needs, and crop the output back.

Every model accepts any height and width: strided layers need multiples of 8 (SARDINet),
16 (compact U-Net), 256 (pix2pix ``unet256``) or 4 (ResNet), so ``predict`` pads with
reflection (which adds no hard edge for the convolutions to react to) and crops back.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..pads import Pads, pads_for

__all__ = ["Pads", "crop", "pads_for", "reflect_pad"]


def reflect_pad(x: torch.Tensor, pads: Pads) -> torch.Tensor:
    """Reflect-pad (B, C, H, W) by any amount.

    ``F.pad(mode="reflect")`` refuses a pad as large as the side it reflects, which happens
    when a small tile goes into ``unet256``; so the pad is applied in steps (each step at
    most the current size minus one, and the size grows each step), and a 1-pixel side,
    which has nothing to reflect, is replicated.
    """
    left, right, top, bottom = pads
    x = _pad_axis(x, left, right, axis=-1)
    return _pad_axis(x, top, bottom, axis=-2)


def _pad_axis(x: torch.Tensor, before: int, after: int, axis: int) -> torch.Tensor:
    while before > 0 or after > 0:
        size = x.shape[axis]
        if size == 1:
            spec = (before, after, 0, 0) if axis == -1 else (0, 0, before, after)
            return F.pad(x, spec, mode="replicate")
        step_b, step_a = min(before, size - 1), min(after, size - 1)
        spec = (step_b, step_a, 0, 0) if axis == -1 else (0, 0, step_b, step_a)
        x = F.pad(x, spec, mode="reflect")
        before, after = before - step_b, after - step_a
    return x


def crop(x: torch.Tensor, pads: Pads, height: int, width: int) -> torch.Tensor:
    """Undo ``reflect_pad`` on a same-resolution output."""
    left, _, top, _ = pads
    return x[..., top:top + height, left:left + width]
