"""SARDINet decoder: one independent branch per output channel, 1/8 -> 1/1 resolution.

Each branch goes up three times by 2 with widths ``[latent, d1, d2, 1]`` (GRETSI:
``[512, 256, 96, 1]``) and ends in a Sigmoid. The branches are independent, but they run
as ONE stack of grouped convolutions (groups = output channels; the first layer, which
reads the shared latent, is an ordinary convolution with ``out_channels`` x d1 kernels),
which is mathematically the same as separate branches, with the same parameter count,
and faster on a CPU than a Python loop over branches.

Upsampling modes (GRETSI studied the first five; ICIP used the last):

=====================  ===========================================  ==================
mode                   two inner steps                              last step
=====================  ===========================================  ==================
transpose-subpixel     3x3 transposed conv s2, 3x3 conv, ReLU, BN   3x3 conv, PixelShuffle
transpose              3x3 transposed conv s2, 3x3 conv, ReLU, BN   transposed conv, conv
bilinear               bilinear x2, two 3x3 convs, ReLU, BN         bilinear x2, two convs
bilinear-subpixel      bilinear x2, two 3x3 convs, ReLU, BN         3x3 conv, PixelShuffle
pixelshuffle           3x3 conv to 4x, PixelShuffle, ReLU, BN       3x3 conv, PixelShuffle
nearest                nearest x2, two 5x5 convs, LeakyReLU         nearest x2, two 5x5 convs
=====================  ===========================================  ==================

``transpose-subpixel`` is the GRETSI default. ``nearest`` is the ICIP 2022 decoder (which
found transposed convolutions worse there); it has no BatchNorm, as in ICIP.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

Block = Callable[[int, int, int, int], list[nn.Module]]  # (in, out per branch, groups_in, g)


def _conv(cin: int, cout: int, k: int, groups: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, padding_mode="reflect")


def _tconv(cin: int, cout: int, groups: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1,
                              groups=groups)


# Inner up blocks: input ``cin`` channels in total (grouped by ``gin``), ``b`` per branch.

def _transpose_up(cin: int, b: int, gin: int, g: int) -> list[nn.Module]:
    return [_tconv(cin, g * b, gin), _conv(g * b, g * b, 3, g), nn.ReLU(inplace=True),
            nn.BatchNorm2d(g * b)]


def _bilinear_up(cin: int, b: int, gin: int, g: int) -> list[nn.Module]:
    return [nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            _conv(cin, g * b, 3, gin), _conv(g * b, g * b, 3, g), nn.ReLU(inplace=True),
            nn.BatchNorm2d(g * b)]


def _pixelshuffle_up(cin: int, b: int, gin: int, g: int) -> list[nn.Module]:
    return [_conv(cin, g * b * 4, 3, gin), nn.PixelShuffle(2), nn.ReLU(inplace=True),
            nn.BatchNorm2d(g * b)]


def _nearest_up(cin: int, b: int, gin: int, g: int) -> list[nn.Module]:
    return [nn.Upsample(scale_factor=2, mode="nearest"), _conv(cin, g * b, 5, gin),
            _conv(g * b, g * b, 5, g), nn.LeakyReLU(inplace=True)]


# Last blocks: ``cin`` = g * d2 channels grouped by branch, one output channel per branch.

def _subpixel_last(cin: int, g: int) -> list[nn.Module]:
    # Branch j's conv writes channels 4j..4j+3, which PixelShuffle turns into channel j.
    return [_conv(cin, g * 4, 3, g), nn.PixelShuffle(2)]


def _transpose_last(cin: int, g: int) -> list[nn.Module]:
    return [_tconv(cin, cin, g), _conv(cin, g, 3, g)]


def _bilinear_last(cin: int, g: int) -> list[nn.Module]:
    return [nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            _conv(cin, cin, 3, g), _conv(cin, g, 3, g)]


def _nearest_last(cin: int, g: int) -> list[nn.Module]:
    return [nn.Upsample(scale_factor=2, mode="nearest"), _conv(cin, g, 5, g),
            _conv(g, g, 5, g)]


UPSAMPLING_MODES: dict[str, tuple[Block, Callable[[int, int], list[nn.Module]]]] = {
    "transpose-subpixel": (_transpose_up, _subpixel_last),
    "transpose": (_transpose_up, _transpose_last),
    "bilinear": (_bilinear_up, _bilinear_last),
    "bilinear-subpixel": (_bilinear_up, _subpixel_last),
    "pixelshuffle": (_pixelshuffle_up, _subpixel_last),
    "nearest": (_nearest_up, _nearest_last),
}
DEFAULT_UPSAMPLING = "transpose-subpixel"


class SARDINetDecoder(nn.Module):
    """Latent (B, latent, H/8, W/8) -> (B, out_channels, H, W) in [0, 1]."""

    def __init__(self, latent_channels: int, widths: Sequence[int], out_channels: int,
                 mode: str = DEFAULT_UPSAMPLING) -> None:
        super().__init__()
        up_block, last_block = UPSAMPLING_MODES[mode]
        g = out_channels
        layers: list[nn.Module] = []
        cin, gin = latent_channels, 1  # the latent is shared by every branch
        for width in widths:
            layers += up_block(cin, width, gin, g)
            cin, gin = g * width, g
        layers += last_block(cin, g)
        layers.append(nn.Sigmoid())
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)

    @torch.no_grad()
    def start_at_colour(self, colour: Sequence[float], weight_scale: float = 0.1) -> None:
        """Make a fresh decoder output about ``colour`` (RGB in (0, 1)) everywhere: the last
        convolution's bias becomes the colour's logit and its kernels shrink.

        Why: a Sigmoid starts at 0.5 grey, far from real Sentinel-2 colours (about 0.15-0.2),
        so a briefly trained network would spend its minutes learning the mean colour and
        overshoot it; started at the training mean it learns departures from it.
        """
        last = [m for m in self.layers if isinstance(m, nn.Conv2d)][-1]
        per_channel = last.out_channels // len(colour)  # sub-pixel: 4 maps per channel
        target = torch.as_tensor(colour, dtype=last.weight.dtype).clamp(1e-3, 1 - 1e-3)
        logits = torch.logit(target)
        if last.bias is None:
            raise ValueError("start_at_colour needs a last convolution with a bias")
        last.bias.copy_(logits.repeat_interleave(per_channel))
        last.weight.mul_(weight_scale)
