"""pix2pix and CycleGAN: inference models (one generator each) and their training parts.

The inference model holds only the SAR(+DEM) -> optical generator, whose state_dict is
what a weights file stores. Its ``forward`` takes inputs in [-1, 1] and ends in Tanh;
``predict`` maps [0, 1] to [-1, 1] and back. Training builds the rest here: the pix2pix
conditional discriminator, and CycleGAN's reverse generator and two discriminators.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .base import SYMMETRIC_RANGE, ModelSpec, TranslationModel
from .configs import CycleGANConfig, Pix2PixConfig
from .layers import init_weights
from .patchgan import PatchGANDiscriminator
from .resnet import RESNET_BLOCKS, RESNET_MIN_SIZE, RESNET_SIZE_MULTIPLE, ResnetGenerator
from .unet import UNET_LAYOUTS, build_unet


class GeneratorModel(TranslationModel):
    """A GAN generator over the stacked [SAR, DEM] input; [-1, 1] in and out."""

    def __init__(self, spec: ModelSpec, config: Pix2PixConfig | CycleGANConfig,
                 generator: nn.Module) -> None:
        super().__init__(spec, config)
        self.generator = generator

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None = None) -> torch.Tensor:
        self.check_inputs(sar, dem, need_multiple=True)
        return self.generator(self.stack_inputs(sar, dem))


def _gan_spec(name: str, family: str, config, size_multiple: int, min_size: int
              ) -> ModelSpec:
    return ModelSpec(name=name, family=family, sar_channels=config.sar_channels,
                     uses_dem=config.uses_dem, out_channels=config.out_channels,
                     input_range=SYMMETRIC_RANGE, output_range=SYMMETRIC_RANGE,
                     size_multiple=size_multiple, min_size=min_size)


def build_pix2pix(name: str, config: Pix2PixConfig) -> GeneratorModel:
    multiple = UNET_LAYOUTS[config.generator].size_multiple
    spec = _gan_spec(name, "pix2pix", config, multiple, multiple)
    generator = build_unet(config.generator, spec.input_channels, config.out_channels,
                           config.ngf, config.norm, config.dropout)
    return GeneratorModel(spec, config, init_weights(generator))


def build_cyclegan(name: str, config: CycleGANConfig) -> GeneratorModel:
    spec = _gan_spec(name, "cyclegan", config, RESNET_SIZE_MULTIPLE, RESNET_MIN_SIZE)
    generator = ResnetGenerator(spec.input_channels, config.out_channels, config.ngf,
                                RESNET_BLOCKS[config.generator], config.norm, config.dropout)
    return GeneratorModel(spec, config, init_weights(generator))


def build_pix2pix_discriminator(model: GeneratorModel, ndf: int = 64,
                                n_layers: int = 3) -> PatchGANDiscriminator:
    """Conditional PatchGAN: sees [input, image], so input_channels + out_channels."""
    return PatchGANDiscriminator(model.spec.input_channels + model.spec.out_channels, ndf,
                                 n_layers, model.config.norm)


@dataclass
class CycleGANTrainingNets:
    """What CycleGAN training needs beyond the inference model's forward generator."""

    reverse_generator: ResnetGenerator       # optical (out_channels) -> SAR(+DEM) channels
    optical_discriminator: PatchGANDiscriminator  # judges forward-generator outputs
    sar_discriminator: PatchGANDiscriminator      # judges reverse-generator outputs

    def modules(self) -> tuple[nn.Module, nn.Module, nn.Module]:
        return self.reverse_generator, self.optical_discriminator, self.sar_discriminator


def build_cyclegan_training_nets(model: GeneratorModel, ndf: int = 64,
                                 n_layers: int = 3) -> CycleGANTrainingNets:
    """The reverse generator has the same architecture as the forward one and outputs as
    many channels as the model takes (so the cycle SAR -> RGB -> SAR closes); the
    discriminators use the config's normalisation (InstanceNorm by default)."""
    cfg, spec = model.config, model.spec
    reverse = ResnetGenerator(spec.out_channels, spec.input_channels, cfg.ngf,
                              RESNET_BLOCKS[cfg.generator], cfg.norm, cfg.dropout)
    return CycleGANTrainingNets(
        reverse_generator=init_weights(reverse),
        optical_discriminator=PatchGANDiscriminator(spec.out_channels, ndf, n_layers,
                                                    cfg.norm),
        sar_discriminator=PatchGANDiscriminator(spec.input_channels, ndf, n_layers,
                                                cfg.norm))
