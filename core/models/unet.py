"""U-Net generators for pix2pix: the reference ``unet_256`` and a compact 4-level one.

Each level halves the size with a 4x4 stride-2 convolution (LeakyReLU 0.2 before it,
except at the outermost level; BatchNorm after it, except at the outermost and innermost
levels) and doubles it back with a 4x4 stride-2 transposed convolution (ReLU before it,
norm after it except at the outermost level, which ends in Tanh). Each up step but the
innermost takes the skip from its level concatenated with the coarser result. Dropout
0.5 follows the up steps of the ``dropout_levels`` levels just outside the innermost.

``unet256``: 8 levels, widths ngf x (1, 2, 4, 8, 8, 8, 8, 8), dropout in 3 levels, so
256 x 256 reaches 1 x 1; 54,412,931 parameters for 2 -> 3 channels with BatchNorm.
``compact``: 4 levels, widths ngf x (1, 2, 4, 8), no dropout: a small encoder-decoder in
the spirit of the seed blog post's generator (trained there on VV alone); needs only
multiples of 16.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .layers import conv_bias, norm_layer


@dataclass(frozen=True)
class UNetLayout:
    width_multipliers: tuple[int, ...]
    dropout_levels: int

    @property
    def size_multiple(self) -> int:
        return 2 ** len(self.width_multipliers)


UNET_LAYOUTS: dict[str, UNetLayout] = {
    "unet256": UNetLayout((1, 2, 4, 8, 8, 8, 8, 8), dropout_levels=3),
    "compact": UNetLayout((1, 2, 4, 8), dropout_levels=0),
}


class UNetGenerator(nn.Module):
    """Encoder-decoder with skip connections; input and output in [-1, 1]."""

    def __init__(self, in_channels: int, out_channels: int, widths: Sequence[int],
                 dropout_levels: int = 0, norm: str = "batch", dropout: bool = True) -> None:
        super().__init__()
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        levels = len(widths)
        downs, ups = [], []
        for i, width in enumerate(widths):
            down: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            down.append(nn.Conv2d(in_channels if i == 0 else widths[i - 1], width, 4, 2, 1,
                                  bias=bias))
            if 0 < i < levels - 1:
                down.append(make_norm(width))
            downs.append(nn.Sequential(*down))

            outermost, innermost = i == 0, i == levels - 1
            up_in = width if innermost else 2 * width
            up_out = out_channels if outermost else widths[i - 1]
            up: list[nn.Module] = [nn.ReLU(inplace=True),  # input is a fresh tensor
                                   nn.ConvTranspose2d(up_in, up_out, 4, 2, 1,
                                                      bias=True if outermost else bias)]
            if outermost:
                up.append(nn.Tanh())
            else:
                up.append(make_norm(up_out))
                if dropout and levels - 1 - dropout_levels <= i < levels - 1:
                    up.append(nn.Dropout(0.5))
            ups.append(nn.Sequential(*up))
        self.downs = nn.ModuleList(downs)
        self.ups = nn.ModuleList(ups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        x = self.ups[-1](skips[-1])
        for level in range(len(self.ups) - 2, -1, -1):
            x = self.ups[level](torch.cat((skips[level], x), dim=1))
        return x


def build_unet(layout_name: str, in_channels: int, out_channels: int, ngf: int, norm: str,
               dropout: bool) -> UNetGenerator:
    layout = UNET_LAYOUTS[layout_name]
    widths = [ngf * m for m in layout.width_multipliers]
    return UNetGenerator(in_channels, out_channels, widths, layout.dropout_levels, norm,
                         dropout)
