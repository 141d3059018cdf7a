"""Normalisation layers and weight initialisation shared by the GAN generators and critics.

Follows the reference pix2pix/CycleGAN conventions: BatchNorm is affine with running
statistics; InstanceNorm is neither (so it holds no tensors in a state_dict); a
convolution followed by BatchNorm carries no bias (BatchNorm's shift replaces it).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from torch import nn

from ..errors import InputError

M = TypeVar("M", bound=nn.Module)

NORM_LAYERS: dict[str, Callable[[int], nn.Module]] = {
    "batch": partial(nn.BatchNorm2d, affine=True, track_running_stats=True),
    "instance": partial(nn.InstanceNorm2d, affine=False, track_running_stats=False),
}


def norm_layer(name: str) -> Callable[[int], nn.Module]:
    """The normalisation factory called ``name``; InputError lists the valid names."""
    try:
        return NORM_LAYERS[name]
    except KeyError:
        raise InputError(f"Unknown normalisation '{name}'; use one of "
                         f"{', '.join(NORM_LAYERS)}.") from None


def conv_bias(norm: str) -> bool:
    """Convolutions before BatchNorm need no bias; before (non-affine) InstanceNorm they do."""
    return norm != "batch"


def _init_normal(weight, gain: float) -> None:
    nn.init.normal_(weight, 0.0, gain)


def _init_xavier(weight, gain: float) -> None:
    nn.init.xavier_normal_(weight, gain=gain)


def _init_kaiming(weight, gain: float) -> None:
    nn.init.kaiming_normal_(weight, a=0, mode="fan_in")


def _init_orthogonal(weight, gain: float) -> None:
    nn.init.orthogonal_(weight, gain=gain)


INITIALISERS: dict[str, Callable] = {
    "normal": _init_normal,
    "xavier": _init_xavier,
    "kaiming": _init_kaiming,
    "orthogonal": _init_orthogonal,
}


def init_weights(net: M, init_type: str = "normal", gain: float = 0.02) -> M:
    """Initialise as the reference: conv/linear weights N(0, gain) (or another scheme),
    biases 0, BatchNorm scale N(1, gain) and shift 0. Returns ``net`` for chaining."""
    if init_type not in INITIALISERS:
        raise InputError(f"Unknown initialisation '{init_type}'; use one of "
                         f"{', '.join(INITIALISERS)}.")
    if any(p.is_meta for p in net.parameters()):
        return net  # counting on the meta device: no values to set (and init is slow there)
    init = INITIALISERS[init_type]
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            init(module.weight, gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d) and module.affine:
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)
    return net
