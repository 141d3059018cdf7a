"""Balanced separable convolution, the input conditioning of SARDINet_I (IGARSS 2024, Fig. 2).

For C input channels:

1. depthwise: K_S independent k x k kernels per channel -> C * K_S maps, in the order
   channel-major (map ``c * K_S + s`` is spatial feature s of channel c);
2. regroup by spatial feature: K_S groups, group s holding feature s of every channel
   (a channel shuffle, so map ``s * C + c``);
3. pointwise: ONE 1x1 convolution with K_C kernels, shared by all K_S groups
   -> K_S * K_C maps (map ``s * K_C + k``).

Weights: C*K_S*k*k + C*K_C (biases aside). No input modality can dominate the spatial
stage (each channel gets its own K_S kernels), and the shared pointwise stage lets the
modalities (SAR bands, DEM) exchange information.

The pointwise stage runs as one grouped 1x1 convolution (groups = K_S) whose weight is the
shared kernel repeated K_S times, so there is no Python loop over groups or channels;
the shuffle is ``F.channel_shuffle``, which keeps channels_last tensors channels_last.
"""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]


class BalancedSeparableConv2d(nn.Module):
    """Depthwise (K_S per channel) -> regroup by feature -> shared pointwise (K_C)."""

    def __init__(self, in_channels: int, spatial_kernels: int, channel_kernels: int,
                 kernel_size: int = 3, stride: int = 1, padding_mode: PaddingMode = "reflect",
                 bias: bool = True) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.spatial_kernels = spatial_kernels
        self.channel_kernels = channel_kernels
        self.out_channels = spatial_kernels * channel_kernels
        # Output map c*K_S + s is the s-th spatial kernel applied to channel c.
        self.depthwise = nn.Conv2d(in_channels, in_channels * spatial_kernels, kernel_size,
                                   stride=stride, padding=kernel_size // 2, groups=in_channels,
                                   bias=False, padding_mode=padding_mode)
        # The one pointwise convolution shared by every spatial-feature group.
        self.pointwise = nn.Conv2d(in_channels, channel_kernels, 1, bias=bias)

    def kernel_weight_count(self) -> int:
        """C*K_S*k*k + C*K_C: the count the paper reports (biases excluded)."""
        return self.depthwise.weight.numel() + self.pointwise.weight.numel()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = self.depthwise(x)                              # (B, C*K_S, H, W), c-major
        grouped = F.channel_shuffle(maps, self.in_channels)   # (B, K_S*C, H, W), s-major
        k_s = self.spatial_kernels
        weight = self.pointwise.weight.repeat(k_s, 1, 1, 1)   # (K_S*K_C, C, 1, 1), shared
        bias = self.pointwise.bias.repeat(k_s) if self.pointwise.bias is not None else None
        return F.conv2d(grouped, weight, bias, groups=k_s)    # (B, K_S*K_C, H, W), s-major

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, K_S={self.spatial_kernels}, "
                f"K_C={self.channel_kernels}, out_channels={self.out_channels}")
