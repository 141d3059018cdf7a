"""The model zoo: SARDINet and its DEM fusions, pix2pix and CycleGAN, behind one registry.

``build_model(name, config)`` returns a ``TranslationModel``; ``predict(sar, dem)`` takes
unit-scaled inputs of any size and returns RGB in [0, 1] for every family.

Imports torch and core's errors only.
"""
from .balanced_separable import BalancedSeparableConv2d
from .base import ModelSpec, TranslationModel
from .configs import CycleGANConfig, Pix2PixConfig, SARDINetConfig
from .gan import (
    CycleGANTrainingNets,
    GeneratorModel,
    build_cyclegan_training_nets,
    build_pix2pix_discriminator,
)
from .layers import init_weights
from .patchgan import PatchGANDiscriminator
from .registry import (
    REFERENCE_GENERATORS,
    REGISTRY,
    ModelConfig,
    ReferenceGenerator,
    build_model,
    list_models,
    model_entry,
    model_info,
)
from .sardinet import SARDINet

__all__ = [
    "REFERENCE_GENERATORS", "REGISTRY", "BalancedSeparableConv2d", "CycleGANConfig",
    "CycleGANTrainingNets", "GeneratorModel", "ModelConfig", "ModelSpec",
    "PatchGANDiscriminator", "Pix2PixConfig", "ReferenceGenerator", "SARDINet",
    "SARDINetConfig", "TranslationModel", "build_cyclegan_training_nets", "build_model",
    "build_pix2pix_discriminator", "init_weights", "list_models", "model_entry", "model_info",
]
