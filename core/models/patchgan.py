"""The 70x70 PatchGAN discriminator of pix2pix and CycleGAN (training only).

4x4 convolutions: ndf at stride 2 (no norm), then widths doubling (capped at 8 ndf) at
stride 2, one more at stride 1, and a 1-channel map of logits; LeakyReLU 0.2 throughout.
With ``n_layers=3`` each output logit sees a 70 x 70 input patch; a 256 x 256 input gives
a 30 x 30 map. Initialised N(0, 0.02) as the reference.
"""
from __future__ import annotations

import torch
from torch import nn

from .layers import conv_bias, init_weights, norm_layer


class PatchGANDiscriminator(nn.Module):
    """Real/fake logits per patch. For pix2pix, feed [input, image] concatenated."""

    def __init__(self, in_channels: int, ndf: int = 64, n_layers: int = 3,
                 norm: str = "batch") -> None:
        super().__init__()
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, 2, 1),
                                   nn.LeakyReLU(0.2, inplace=True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=bias),
                       make_norm(ndf * mult), nn.LeakyReLU(0.2, inplace=True)]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
