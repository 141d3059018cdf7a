"""Balanced separable convolution (IGARSS 2024, Fig. 2) against hand-computed values and a
plain loop over channels and groups."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from sardine.core.models import BalancedSeparableConv2d

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_hand_computed_example():
    """C=2, K_S=2, K_C=2, 1x1 kernels: every step can be checked by hand.

    Input pixel (1, 2). Depthwise kernels per channel: channel 0 (1, 10), channel 1
    (100, 1000) -> maps in channel-major order (1, 10, 200, 2000). Regrouped by spatial
    feature: group 0 = (1, 200), group 1 = (10, 2000). Shared pointwise W = [[1, 0.5],
    [2, -1]], bias (0, 3): group 0 -> (1 + 100, 2 - 200 + 3) = (101, -195); group 1 ->
    (10 + 1000, 20 - 2000 + 3) = (1010, -1977).
    """
    conv = BalancedSeparableConv2d(2, spatial_kernels=2, channel_kernels=2, kernel_size=1)
    with torch.no_grad():
        conv.depthwise.weight.copy_(torch.tensor([1.0, 10.0, 100.0, 1000.0]).view(4, 1, 1, 1))
        conv.pointwise.weight.copy_(torch.tensor([[1.0, 0.5], [2.0, -1.0]]).view(2, 2, 1, 1))
        conv.pointwise.bias.copy_(torch.tensor([0.0, 3.0]))
    x = torch.tensor([1.0, 2.0]).view(1, 2, 1, 1).expand(1, 2, 2, 3)
    out = conv(x)
    assert out.shape == (1, 4, 2, 3)
    expected = torch.tensor([101.0, -195.0, 1010.0, -1977.0]).view(1, 4, 1, 1).expand(1, 4, 2, 3)
    assert torch.equal(out, expected)
    assert conv.kernel_weight_count() == 2 * 2 * 1 + 2 * 2


def reference(conv: BalancedSeparableConv2d, x: torch.Tensor) -> torch.Tensor:
    """The definition, one channel and one group at a time."""
    k_s, stride = conv.spatial_kernels, conv.depthwise.stride
    pad = conv.depthwise.padding[0]
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    groups = []
    for s in range(k_s):
        feature_s = []
        for c in range(conv.in_channels):
            kernel = conv.depthwise.weight[c * k_s + s].unsqueeze(0)  # kernel s of channel c
            feature_s.append(F.conv2d(padded[:, c:c + 1], kernel, stride=stride))
        groups.append(F.conv2d(torch.cat(feature_s, 1), conv.pointwise.weight,
                               conv.pointwise.bias))
    return torch.cat(groups, 1)


def test_matches_the_definition_with_3x3_kernels_and_stride_2():
    torch.manual_seed(0)
    conv = BalancedSeparableConv2d(3, spatial_kernels=4, channel_kernels=5, stride=2)
    x = torch.randn(2, 3, 11, 14)
    out = conv(x)
    assert out.shape == (2, 20, 6, 7)
    torch.testing.assert_close(out, reference(conv, x))
    out.sum().backward()
    assert conv.depthwise.weight.grad is not None and conv.pointwise.weight.grad is not None


def test_paper_weight_counts():
    first = BalancedSeparableConv2d(3, 8, 12)   # SAR (2) + DEM -> 96 maps
    second = BalancedSeparableConv2d(96, 4, 64)  # 96 -> 256 maps
    assert (first.out_channels, second.out_channels) == (96, 256)
    assert first.kernel_weight_count() == 3 * 8 * 9 + 3 * 12 == 252
    assert second.kernel_weight_count() == 96 * 4 * 9 + 96 * 64 == 9_600
