"""The model zoo: every model name, its family's config class and its builder.

Adding a model means adding a ``ModelEntry``; nothing else branches on names. A name may
fix some config fields (``sardinet-late`` fixes ``fusion="late"``); a caller's config may
set everything else.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..errors import InputError
from .base import TranslationModel
from .configs import CycleGANConfig, Pix2PixConfig, SARDINetConfig
from .gan import build_cyclegan, build_pix2pix
from .sardinet import build_sardinet

ModelConfig = SARDINetConfig | Pix2PixConfig | CycleGANConfig


@dataclass(frozen=True)
class ModelEntry:
    name: str
    family: str
    config_class: type[Any]
    builder: Callable[[str, Any], TranslationModel]
    description: str
    fixed: dict[str, Any] = field(default_factory=dict)

    def make_config(self, config: dict | ModelConfig | None) -> ModelConfig:
        """Defaults, a dict of overrides, or a ready config of this family."""
        if config is None:
            data: dict[str, Any] = {}
        elif isinstance(config, dict):
            data = dict(config)
        elif isinstance(config, self.config_class):
            # A dataclass cannot tell a default from a choice: a fixed field left at the
            # family default takes the name's value; any other value must agree with it.
            defaults = self.config_class()
            data = {f.name: getattr(config, f.name) for f in dataclasses.fields(self.config_class)
                    if not (f.name in self.fixed
                            and getattr(config, f.name) == getattr(defaults, f.name))}
        else:
            raise InputError(
                f"Model '{self.name}' takes a {self.config_class.__name__} or a dict, not "
                f"{type(config).__name__}; build the config of the {self.family} family.")
        for key, value in self.fixed.items():
            if key in data and data[key] != value:
                others = [e.name for e in REGISTRY.values()
                          if e.family == self.family and e.fixed.get(key) == data[key]]
                hint = f"use model '{others[0]}'" if others else f"leave {key} out"
                raise InputError(f"Model '{self.name}' has {key}={value!r}, but the config "
                                 f"asks for {data[key]!r}; {hint}.")
            data[key] = value
        return self.config_class.from_dict(data)


REGISTRY: dict[str, ModelEntry] = {e.name: e for e in (
    ModelEntry("sardinet", "sardinet", SARDINetConfig, build_sardinet,
               "SARDINet, SAR only (baseline)", {"fusion": "none"}),
    ModelEntry("sardinet-early", "sardinet", SARDINetConfig, build_sardinet,
               "SARDINet_E: DEM stacked with the SAR bands at the input", {"fusion": "early"}),
    ModelEntry("sardinet-late", "sardinet", SARDINetConfig, build_sardinet,
               "SARDINet_L: separate SAR and DEM conditionings, concatenated",
               {"fusion": "late"}),
    ModelEntry("sardinet-intermediate", "sardinet", SARDINetConfig, build_sardinet,
               "SARDINet_I: balanced separable conditioning over SAR and DEM",
               {"fusion": "intermediate"}),
    ModelEntry("pix2pix", "pix2pix", Pix2PixConfig, build_pix2pix,
               "pix2pix conditional GAN, U-Net generator (unet256 or compact)"),
    ModelEntry("cyclegan", "cyclegan", CycleGANConfig, build_cyclegan,
               "CycleGAN, SAR->optical ResNet generator (unpaired training)"),
)}


def list_models() -> list[str]:
    """Registered model names, in table order."""
    return list(REGISTRY)


def model_entry(name: str) -> ModelEntry:
    """The registry entry for ``name``; InputError lists the registered names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(f"Unknown model '{name}'; choose one of "
                         f"{', '.join(REGISTRY)} (see `sardine models`).") from None


def build_model(name: str, config: dict | ModelConfig | None = None) -> TranslationModel:
    """A fresh (untrained) model; ``config`` overrides the family defaults."""
    entry = model_entry(name)
    return entry.builder(name, entry.make_config(config))


def model_info(name: str, config: dict | ModelConfig | None = None) -> dict[str, Any]:
    """Facts for tables and reports, counted on the meta device (no memory, no init)."""
    entry = model_entry(name)
    with torch.device("meta"):
        model = build_model(name, config)
    spec, cfg = model.spec, model.config
    return {
        "name": name,
        "family": entry.family,
        "description": entry.description,
        "inputs": spec.inputs_label,
        "outputs": "RGB" if spec.out_channels == 3 else f"{spec.out_channels} bands",
        "parameters": model.parameter_count(),
        "conditioning_weights": model.conditioning_weight_count(),
        "generator": getattr(cfg, "generator", None),
        "size_multiple": spec.size_multiple,
        "output_range": list(spec.output_range),
        "config": cfg.to_dict(),
    }


@dataclass(frozen=True)
class ReferenceGenerator:
    """A generator configuration whose size the literature reports, for `sardine models`."""

    label: str
    model: str
    config: dict[str, Any]
    reference_parameters: int | None = None


REFERENCE_GENERATORS: tuple[ReferenceGenerator, ...] = (
    ReferenceGenerator("pix2pix unet256, VV,VH -> RGB", "pix2pix",
                       {"generator": "unet256", "sar_channels": 2}, 54_412_931),
    ReferenceGenerator("pix2pix compact (seed blog post), VV -> RGB", "pix2pix",
                       {"generator": "compact", "sar_channels": 1}),
    ReferenceGenerator("CycleGAN resnet_9blocks, VV,VH -> RGB", "cyclegan",
                       {"generator": "resnet_9blocks", "sar_channels": 2}),
    ReferenceGenerator("CycleGAN resnet_9blocks, VV,VH+DEM -> RGB", "cyclegan",
                       {"generator": "resnet_9blocks", "sar_channels": 2, "uses_dem": True},
                       11_378_179),
)
