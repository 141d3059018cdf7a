"""ResNet generator of CycleGAN (reference ``resnet_9blocks`` / ``resnet_6blocks``).

7x7 stem (reflect pad 3), two 3x3 stride-2 downsamplings (ngf -> 2 ngf -> 4 ngf), N
residual blocks of two reflect-padded 3x3 convolutions at 4 ngf, two 3x3 stride-2
transposed convolutions back, a 7x7 output convolution and Tanh. InstanceNorm by
default. 11,378,179 parameters for 3 -> 3 channels with 9 blocks; needs multiples of 4.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .layers import conv_bias, norm_layer

RESNET_BLOCKS: dict[str, int] = {"resnet_9blocks": 9, "resnet_6blocks": 6}
RESNET_SIZE_MULTIPLE = 4
RESNET_MIN_SIZE = 8  # a 2 x 2 bottleneck, so the residual blocks' reflect padding fits


class ResnetBlock(nn.Module):
    def __init__(self, channels: int, make_norm: Callable[[int], nn.Module], bias: bool,
                 dropout: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias),
            make_norm(channels), nn.ReLU(inplace=True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias),
                   make_norm(channels)]
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class ResnetGenerator(nn.Module):
    """Image-to-image generator; input and output in [-1, 1]."""

    def __init__(self, in_channels: int, out_channels: int, ngf: int = 64, n_blocks: int = 9,
                 norm: str = "instance", dropout: bool = False) -> None:
        super().__init__()
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7, bias=bias),
            make_norm(ngf), nn.ReLU(inplace=True)]
        for i in range(2):
            mult = 2 ** i
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias),
                       make_norm(ngf * mult * 2), nn.ReLU(inplace=True)]
        layers += [ResnetBlock(ngf * 4, make_norm, bias, dropout) for _ in range(n_blocks)]
        for i in range(2):
            mult = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1,
                                          output_padding=1, bias=bias),
                       make_norm(ngf * mult // 2), nn.ReLU(inplace=True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
