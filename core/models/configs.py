"""One configuration dataclass per model family; each round-trips through JSON.

A weights file stores the model name and ``config.to_dict()``; ``from_dict`` rebuilds the
identical configuration (unknown keys are refused, so a typo never goes unnoticed).
Invalid values raise InputError naming the valid choices.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from ..errors import InputError
from .decoder import DEFAULT_UPSAMPLING, UPSAMPLING_MODES
from .layers import NORM_LAYERS
from .resnet import RESNET_BLOCKS
from .unet import UNET_LAYOUTS

FUSIONS = ("none", "early", "late", "intermediate")
C = TypeVar("C")


def _to_tuples(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_to_tuples(v) for v in value)
    return value


def _to_lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_to_lists(v) for v in value]
    return value


def _choice(kind: str, value: str, choices) -> None:
    if value not in choices:
        raise InputError(f"Unknown {kind} '{value}'; use one of {', '.join(choices)}.")


def _positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"Model setting {name}={value!r} must be a positive integer.")


class _ConfigMixin:
    """``to_dict`` (plus the derived ``uses_dem``) and a strict ``from_dict``. Mixed into
    dataclasses only, each with a ``uses_dem`` field or property."""

    def _freeze_sequences(self) -> None:
        """Lists given for tuple fields become tuples, so configs compare and hash."""
        for f in dataclasses.fields(cast(Any, self)):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, _to_tuples(value))

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: _to_lists(getattr(self, f.name))
                for f in dataclasses.fields(cast(Any, self))}
        data["uses_dem"] = bool(cast(Any, self).uses_dem)
        return data

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        data = dict(data)
        names = {f.name for f in dataclasses.fields(cast(Any, cls))}
        # SARDINet derives uses_dem from its fusion; the GAN families store it.
        uses_dem = None if "uses_dem" in names else data.pop("uses_dem", None)
        unknown = sorted(set(data) - names)
        if unknown:
            raise InputError(f"Unknown {cls.__name__} setting(s) {', '.join(unknown)}; valid "
                             f"settings: {', '.join(sorted(names | {'uses_dem'}))}.")
        config = cls(**{k: _to_tuples(v) for k, v in data.items()})
        derived = bool(cast(Any, config).uses_dem)
        if uses_dem is not None and bool(uses_dem) != derived:
            raise InputError(
                f"Setting uses_dem={uses_dem} contradicts the rest of the {cls.__name__} "
                f"(which gives uses_dem={derived}); for SARDINet choose the DEM "
                "fusion by model name (sardinet-early, -late, -intermediate).")
        return config


@dataclass(frozen=True)
class SARDINetConfig(_ConfigMixin):
    """SARDINet and its DEM fusions; ``fusion`` is fixed by the registered model name.

    Every variant's input conditioning hands ``conditioning_widths[1]`` = 256 channels to
    the encoder (IGARSS 2024): ``none``/``early`` use conv(in->96), conv(96->256); ``late``
    runs conv(C->96), conv(96->128) on the SAR and on the DEM and concatenates;
    ``intermediate`` uses balanced separable convolutions with (K_S, K_C) =
    ``balanced_kernels`` (8x12 = 96, then 4x64 = 256).

    Encoder widths ``[256, 256, 512]``: the first is the conditioning output; 256 and 512
    are GRETSI's c1, c2 (GRETSI's c0 = 128 came from a 128-wide conditioning). Decoder
    widths ``[512, 256, 96, 1]`` per output channel are GRETSI's. Total about 7.2 M
    parameters with the default upsampling.
    """

    sar_channels: int = 2
    fusion: str = "none"
    out_channels: int = 3
    conditioning_widths: tuple[int, int] = (96, 256)
    balanced_kernels: tuple[tuple[int, int], tuple[int, int]] = ((8, 12), (4, 64))
    encoder_widths: tuple[int, int] = (256, 512)
    decoder_widths: tuple[int, int] = (256, 96)
    upsampling: str = DEFAULT_UPSAMPLING
    # Width of the full-resolution detail head added by ``sardine adapt --detail`` (the
    # encoder sees the scene at 1/8 resolution only); 0: none, as every trained model.
    detail_width: int = 0

    def to_dict(self) -> dict:
        """Without ``detail_width`` when 0, so weights without the head read as before."""
        data = super().to_dict()
        if not self.detail_width:
            data.pop("detail_width")
        return data

    def __post_init__(self) -> None:
        self._freeze_sequences()
        if int(self.detail_width) < 0:
            raise InputError(f"SARDINet detail_width must be 0 or more (got "
                             f"{self.detail_width}).")
        _choice("SARDINet fusion", self.fusion, FUSIONS)
        _choice("decoder upsampling mode", self.upsampling, UPSAMPLING_MODES)
        _positive(sar_channels=self.sar_channels, out_channels=self.out_channels)
        for name in ("conditioning_widths", "encoder_widths", "decoder_widths"):
            widths = getattr(self, name)
            if len(widths) != 2:
                raise InputError(f"SARDINet {name} needs exactly 2 widths, got {widths}.")
            _positive(**{f"{name}[{i}]": w for i, w in enumerate(widths)})
        if self.fusion == "late" and self.conditioning_widths[1] % 2:
            raise InputError("Late fusion splits conditioning_widths[1] between SAR and DEM; "
                             f"make it even (got {self.conditioning_widths[1]}).")
        if self.fusion == "intermediate":
            products = tuple(ks * kc for ks, kc in self.balanced_kernels)
            if len(products) != 2 or products != tuple(self.conditioning_widths):
                raise InputError(
                    f"balanced_kernels {self.balanced_kernels} give {products} maps but "
                    f"conditioning_widths is {self.conditioning_widths}; make each "
                    "K_S x K_C equal the matching width.")

    @property
    def uses_dem(self) -> bool:
        return self.fusion != "none"


@dataclass(frozen=True)
class Pix2PixConfig(_ConfigMixin):
    """pix2pix: a U-Net generator (``unet256`` reference or ``compact`` 4-level) over the
    SAR bands, plus the DEM as one more input channel when ``uses_dem``."""

    sar_channels: int = 2
    uses_dem: bool = False
    out_channels: int = 3
    generator: str = "unet256"
    ngf: int = 64
    norm: str = "batch"
    dropout: bool = True

    def __post_init__(self) -> None:
        _choice("pix2pix generator", self.generator, UNET_LAYOUTS)
        _choice("normalisation", self.norm, NORM_LAYERS)
        _positive(sar_channels=self.sar_channels, out_channels=self.out_channels,
                  ngf=self.ngf)


@dataclass(frozen=True)
class CycleGANConfig(_ConfigMixin):
    """CycleGAN: ResNet generators; only the SAR(+DEM) -> optical one is kept for inference."""

    sar_channels: int = 2
    uses_dem: bool = False
    out_channels: int = 3
    generator: str = "resnet_9blocks"
    ngf: int = 64
    norm: str = "instance"
    dropout: bool = False

    def __post_init__(self) -> None:
        _choice("CycleGAN generator", self.generator, RESNET_BLOCKS)
        _choice("normalisation", self.norm, NORM_LAYERS)
        _positive(sar_channels=self.sar_channels, out_channels=self.out_channels,
                  ngf=self.ngf)
