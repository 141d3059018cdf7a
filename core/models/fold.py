"""Fold eval-mode BatchNorm into neighbouring convolutions, for inference only.

A BatchNorm in eval mode is a per-channel affine map ``s * x + t``. Next to a convolution it
can be absorbed into that convolution's weights and bias, removing a full pass over the
feature map (about 10 % of SARDINet's CPU forward time, docs/PERFORMANCE.md). Three exact
cases, tried in this order within every ``nn.Sequential``:

1. conv -> BN: scale the conv's output channels (``Conv2d``, or ``ConvTranspose2d`` with one
   group);
2. BN -> conv: scale the conv's input channels and move the shift into its bias, when the
   conv pads by reflection/replication (padding a constant-shifted map then commutes with
   the affine map) or not at all;
3. BN -> MaxPool2d -> conv: as 2 when every scale is positive (max commutes with a positive
   affine map).

BatchNorms after a ReLU and before another module kind stay. Trained weights are never
changed on disk: the engine folds the copy it loaded.
"""
from __future__ import annotations

import torch
from torch import nn

from .balanced_separable import BalancedSeparableConv2d

_SAFE_PADDING = ("reflect", "replicate", "circular")
Conv = nn.Conv2d | nn.ConvTranspose2d


def _first_conv(module: nn.Module) -> nn.Conv2d | None:
    """The convolution a module applies first to its input, if it starts with one."""
    if isinstance(module, nn.Conv2d):
        return module
    if isinstance(module, BalancedSeparableConv2d):
        return module.depthwise
    depthwise = getattr(module, "depthwise", None)   # SARDINet's SepConv
    return depthwise if isinstance(depthwise, nn.Conv2d) else None


def _last_conv(module: nn.Module) -> Conv | None:
    """The convolution whose output the module returns unchanged, if any."""
    if isinstance(module, nn.Conv2d) or (isinstance(module, nn.ConvTranspose2d)
                                         and module.groups == 1):
        return module
    if isinstance(module, BalancedSeparableConv2d):
        return None   # its pointwise kernel is shared by every group: no per-output scale
    pointwise = getattr(module, "pointwise", None)   # SARDINet's SepConv
    return pointwise if isinstance(pointwise, nn.Conv2d) else None


def _affine(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    mean, var = bn.running_mean, bn.running_var
    if mean is None or var is None:
        raise ValueError("Only BatchNorm with running statistics can be folded.")
    scale = torch.rsqrt(var + bn.eps)
    if bn.affine:
        scale = scale * bn.weight
    shift = -mean * scale
    if bn.affine:
        shift = shift + bn.bias
    return scale, shift


def _bias_of(conv: Conv, channels: int) -> torch.Tensor:
    if conv.bias is None:
        conv.bias = nn.Parameter(torch.zeros(channels, dtype=conv.weight.dtype,
                                             device=conv.weight.device))
    return conv.bias


def _fold_after(conv: Conv, bn: nn.BatchNorm2d) -> None:
    """conv -> BN becomes conv' (output channels scaled and shifted)."""
    scale, shift = _affine(bn)
    # Output channels are dim 1 of a transposed conv's weight (in, out, kh, kw), else dim 0.
    shape = (1, -1, 1, 1) if isinstance(conv, nn.ConvTranspose2d) else (-1, 1, 1, 1)
    conv.weight.mul_(scale.view(shape))
    bias = _bias_of(conv, conv.out_channels)
    bias.copy_(bias * scale + shift)


def _can_absorb_input(conv: nn.Conv2d) -> bool:
    unpadded = all(p == 0 for p in conv.padding) if not isinstance(conv.padding, str) \
        else conv.padding == "valid"
    return conv.padding_mode in _SAFE_PADDING or unpadded


def _fold_before(bn: nn.BatchNorm2d, conv: nn.Conv2d) -> None:
    """BN -> conv becomes conv' (input channels scaled, the shift moved into the bias)."""
    scale, shift = _affine(bn)
    groups, out_channels = conv.groups, conv.out_channels
    per_in = conv.in_channels // groups
    per_out = out_channels // groups
    # The input channel each weight column reads: group g's outputs read channels g*per_in...
    s = scale.view(groups, 1, per_in).expand(groups, per_out, per_in).reshape(out_channels,
                                                                              per_in)
    t = shift.view(groups, 1, per_in).expand(groups, per_out, per_in).reshape(out_channels,
                                                                              per_in)
    bias = _bias_of(conv, out_channels)
    bias.add_((conv.weight * t[:, :, None, None]).sum(dim=(1, 2, 3)))
    conv.weight.mul_(s[:, :, None, None])


def _fold_sequential(seq: nn.Sequential) -> int:
    layers = list(seq)
    folded = 0
    for i, layer in enumerate(layers):
        if not isinstance(layer, nn.BatchNorm2d) or not layer.track_running_stats:
            continue
        before = _last_conv(layers[i - 1]) if i > 0 else None
        after = _first_conv(layers[i + 1]) if i + 1 < len(layers) else None
        over_pool = (_first_conv(layers[i + 2]) if i + 2 < len(layers)
                     and isinstance(layers[i + 1], nn.MaxPool2d) else None)
        if before is not None:
            _fold_after(before, layer)
        elif after is not None and _can_absorb_input(after):
            _fold_before(layer, after)
        elif over_pool is not None and _can_absorb_input(over_pool) and \
                bool((_affine(layer)[0] > 0).all()):
            _fold_before(layer, over_pool)
        else:
            continue
        seq[i] = nn.Identity()
        layers[i] = seq[i]
        folded += 1
    return folded


@torch.no_grad()
def fold_batchnorm(model: nn.Module) -> int:
    """Fold every foldable BatchNorm of an eval-mode model in place; return how many.

    Refuses a model in training mode: folding uses the running statistics, which training
    would go on changing."""
    if model.training:
        raise ValueError("fold_batchnorm needs a model in eval mode (call .eval() first); "
                         "folding freezes the running statistics.")
    return sum(_fold_sequential(m) for m in list(model.modules())
               if isinstance(m, nn.Sequential))
