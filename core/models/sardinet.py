"""SARDINet (GRETSI 2023) and its DEM fusions (IGARSS 2024).

Input conditioning (full -> 1/2 resolution, 256 channels for every variant), a
three-branch encoder fused by summation (1/2 -> 1/8), and a per-output-channel decoder
(1/8 -> 1/1, Sigmoid). Only the conditioning differs between the variants; it is chosen
from ``CONDITIONINGS`` by the config's ``fusion``. See ``SARDINetConfig`` for widths.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..errors import InputError
from .balanced_separable import BalancedSeparableConv2d
from .base import ModelSpec, TranslationModel
from .configs import SARDINetConfig
from .decoder import SARDINetDecoder

SIZE_MULTIPLE = 8  # stride-2 conditioning + two max-pools
MIN_SIZE = 32  # a 4 x 4 latent: every decoder mode's reflect padding (up to 2) fits


def _required(dem: torch.Tensor | None) -> torch.Tensor:
    if dem is None:
        raise InputError("This DEM fusion needs a DEM; give one, or use the SAR-only model.")
    return dem


def _conv3(cin: int, cout: int, stride: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, padding_mode="reflect")


def _conv_stack(cin: int, widths: tuple[int, int]) -> nn.Sequential:
    """3x3 conv at stride 1 then at stride 2, each followed by ReLU and BatchNorm."""
    return nn.Sequential(
        _conv3(cin, widths[0], 1), nn.ReLU(inplace=True), nn.BatchNorm2d(widths[0]),
        _conv3(widths[0], widths[1], 2), nn.ReLU(inplace=True), nn.BatchNorm2d(widths[1]))


class SarOnlyConditioning(nn.Module):
    """SARDINet: conv(C->96), conv(96->256) on the SAR bands."""

    def __init__(self, cfg: SARDINetConfig) -> None:
        super().__init__()
        self.body = _conv_stack(cfg.sar_channels, cfg.conditioning_widths)

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None) -> torch.Tensor:
        return self.body(sar)


class EarlyConditioning(nn.Module):
    """SARDINet_E: the DEM stacked as one more input channel, conv(C+1->96), conv(96->256)."""

    def __init__(self, cfg: SARDINetConfig) -> None:
        super().__init__()
        self.body = _conv_stack(cfg.sar_channels + 1, cfg.conditioning_widths)

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None) -> torch.Tensor:
        return self.body(torch.cat((sar, _required(dem)), dim=1))


class LateConditioning(nn.Module):
    """SARDINet_L: separate conditionings (->128 each) for SAR and DEM, concatenated."""

    def __init__(self, cfg: SARDINetConfig) -> None:
        super().__init__()
        widths = (cfg.conditioning_widths[0], cfg.conditioning_widths[1] // 2)
        self.sar = _conv_stack(cfg.sar_channels, widths)
        self.dem = _conv_stack(1, widths)

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None) -> torch.Tensor:
        return torch.cat((self.sar(sar), self.dem(dem)), dim=1)


class IntermediateConditioning(nn.Module):
    """SARDINet_I: balanced separable convs (8x12 -> 96, then 4x64 -> 256, stride 2)."""

    def __init__(self, cfg: SARDINetConfig) -> None:
        super().__init__()
        (ks1, kc1), (ks2, kc2) = cfg.balanced_kernels
        first = BalancedSeparableConv2d(cfg.sar_channels + 1, ks1, kc1, 3, stride=1)
        second = BalancedSeparableConv2d(first.out_channels, ks2, kc2, 3, stride=2)
        self.body = nn.Sequential(
            first, nn.ReLU(inplace=True), nn.BatchNorm2d(first.out_channels),
            second, nn.ReLU(inplace=True), nn.BatchNorm2d(second.out_channels))

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None) -> torch.Tensor:
        return self.body(torch.cat((sar, _required(dem)), dim=1))


CONDITIONINGS: dict[str, Callable[[SARDINetConfig], nn.Module]] = {
    "none": SarOnlyConditioning,
    "early": EarlyConditioning,
    "late": LateConditioning,
    "intermediate": IntermediateConditioning,
}


class SepConv(nn.Module):
    """Depthwise 3x3 (reflect) then pointwise 1x1, no activation in between."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, padding_mode="reflect")
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class SARDINetEncoder(nn.Module):
    """Three parallel branches from 1/2 to 1/8 resolution, fused by summation."""

    def __init__(self, c0: int, c1: int, c2: int) -> None:
        super().__init__()
        bn, pool, relu = nn.BatchNorm2d, nn.MaxPool2d, nn.ReLU
        self.branch1 = nn.Sequential(
            SepConv(c0, c1), bn(c1), pool(2), nn.Conv2d(c1, c2, 1), bn(c2), pool(2))
        self.branch2 = nn.Sequential(
            nn.Conv2d(c0, c1, 1), relu(inplace=True), bn(c1), pool(2),
            SepConv(c1, c1), relu(inplace=True), bn(c1), SepConv(c1, c2), bn(c2), pool(2))
        self.branch3 = nn.Sequential(
            SepConv(c0, c1), relu(inplace=True), bn(c1), SepConv(c1, c1), bn(c1), pool(2),
            SepConv(c1, c2), bn(c2), pool(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fused = self.branch1(x)
        fused = fused + self.branch2(x)
        return fused + self.branch3(x)


class DetailHead(nn.Module):
    """Full-resolution residual on the decoder's logits, from the inputs themselves (9 x 9
    px receptive field): the encoder sees the scene at 1/8 resolution only, so fine detail
    (field edges, roads) has no other path. Its last layer starts at zero, so a model
    given a head computes exactly what it did before (``with_detail_head``)."""

    def __init__(self, cin: int, width: int, cout: int) -> None:
        super().__init__()
        last = nn.Conv2d(width, cout, 3, padding=1, padding_mode="reflect")
        self.layers = nn.Sequential(
            nn.Conv2d(cin, width, 5, padding=2, padding_mode="reflect"), nn.ReLU(inplace=True),
            nn.Conv2d(width, width, 3, padding=1, padding_mode="reflect"),
            nn.ReLU(inplace=True), last)
        nn.init.zeros_(last.weight)
        if last.bias is not None:  # always: Conv2d's default
            nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class SARDINet(TranslationModel):
    """SAR (+DEM) in [0, 1] -> RGB in [0, 1] (Sigmoid); H, W multiples of 8 in forward."""

    def __init__(self, name: str, config: SARDINetConfig) -> None:
        spec = ModelSpec(name=name, family="sardinet", sar_channels=config.sar_channels,
                         uses_dem=config.uses_dem, out_channels=config.out_channels,
                         size_multiple=SIZE_MULTIPLE, min_size=MIN_SIZE)
        super().__init__(spec, config)
        c0 = config.conditioning_widths[1]
        c1, c2 = config.encoder_widths
        self.conditioning = CONDITIONINGS[config.fusion](config)
        self.encoder = SARDINetEncoder(c0, c1, c2)
        self.decoder = SARDINetDecoder(c2, config.decoder_widths, config.out_channels,
                                       config.upsampling)
        self.detail = DetailHead(config.sar_channels + int(config.uses_dem),
                                 config.detail_width, config.out_channels) \
            if config.detail_width else None

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None = None) -> torch.Tensor:
        self.check_inputs(sar, dem, need_multiple=True)
        latent = self.encoder(self.conditioning(sar, dem))
        if self.detail is None:
            return self.decoder(latent)
        logits = self.decoder.layers[:-1](latent)  # the decoder ends in a Sigmoid
        inputs = torch.cat([sar, dem], 1) if dem is not None and self.spec.uses_dem else sar
        return torch.sigmoid(logits + self.detail(inputs))

    def start_at_colour(self, colour: Sequence[float]) -> bool:
        """Start a fresh network near ``colour`` (see ``SARDINetDecoder.start_at_colour``)."""
        self.decoder.start_at_colour(colour)
        return True

    def conditioning_weight_count(self) -> int:
        """Convolution kernels of the input conditioning (biases, BatchNorm excluded),
        the count IGARSS 2024 reports: 222,912 / 223,776 / 223,776 / 9,852."""
        return sum(p.numel() for p in self.conditioning.parameters() if p.ndim > 1)


def build_sardinet(name: str, config: SARDINetConfig) -> SARDINet:
    return SARDINet(name, config)


def with_detail_head(model: TranslationModel, width: int) -> SARDINet:
    """A copy of the SARDINet ``model`` with a fresh detail head of ``width`` channels
    (same output until it trains); refused for other families."""
    import dataclasses

    if not isinstance(model, SARDINet):
        raise InputError(f"A detail head fits SARDINet models only, not "
                         f"'{model.spec.name}' ({model.spec.family}); give --detail 0.")
    if model.config.detail_width:  # already has one (adapting adapted weights): keep it
        return model
    config = dataclasses.replace(model.config, detail_width=int(width))
    widened = SARDINet(model.spec.name, config)
    missing, unexpected = widened.load_state_dict(model.state_dict(), strict=False)
    if unexpected or any(not key.startswith("detail.") for key in missing):
        raise InputError(f"Cannot add a detail head to '{model.spec.name}': its tensors do "
                         "not match.")
    return widened.to(next(model.parameters()).device)
