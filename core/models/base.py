"""The contract every model honours, so translation and training never branch on a family.

``forward(sar, dem)`` is the raw network, used by training: inputs and outputs are in the
family's native ranges (``spec.input_range`` / ``spec.output_range``: SARDINet works in
[0, 1] and ends in a Sigmoid; the GAN generators work in [-1, 1] and end in a Tanh), and
H, W must be multiples of ``spec.size_multiple``.

``predict(sar, dem)`` is for translation: unit-scaled [0, 1] inputs of any H, W in,
RGB in [0, 1] out, same H, W.
"""
from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from ..errors import InputError
from .padding import crop, pads_for, reflect_pad

UNIT_RANGE = (0.0, 1.0)
SYMMETRIC_RANGE = (-1.0, 1.0)
DEFAULT_BAND_LABELS = {1: "VV", 2: "VV,VH"}


@dataclass(frozen=True)
class ModelSpec:
    """What a model takes and gives; enough for a front end to prepare its inputs."""

    name: str
    family: str
    sar_channels: int
    uses_dem: bool
    out_channels: int
    input_range: tuple[float, float] = UNIT_RANGE
    output_range: tuple[float, float] = UNIT_RANGE
    size_multiple: int = 1
    min_size: int = 1  # smallest padded side the network handles (its own reflect pads)

    @property
    def input_channels(self) -> int:
        """Channels the network sees once SAR and DEM are stacked."""
        return self.sar_channels + int(self.uses_dem)

    @property
    def inputs_label(self) -> str:
        """Human label such as ``VV,VH+DEM`` (default band names for 1 or 2 channels)."""
        sar = DEFAULT_BAND_LABELS.get(self.sar_channels, f"{self.sar_channels} SAR bands")
        return sar + ("+DEM" if self.uses_dem else "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["input_range"] = list(self.input_range)
        data["output_range"] = list(self.output_range)
        return data


def _rescale(x: torch.Tensor, src: tuple[float, float], dst: tuple[float, float]
             ) -> torch.Tensor:
    if src == dst:
        return x
    scale = (dst[1] - dst[0]) / (src[1] - src[0])
    return (x - src[0]) * scale + dst[0]


class TranslationModel(nn.Module, abc.ABC):
    """Base of every registered model: ``spec``, ``config``, ``forward`` and ``predict``."""

    def __init__(self, spec: ModelSpec, config: Any) -> None:
        super().__init__()
        self.spec = spec
        self.config = config

    @abc.abstractmethod
    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None = None) -> torch.Tensor:
        """Raw network in the native ranges (see the module docstring)."""

    def start_at_colour(self, colour: Sequence[float]) -> bool:
        """Start a fresh network near a constant RGB ``colour`` in (0, 1), where the family
        can (SARDINet does); False where it cannot, the default."""
        return False

    # --- inputs -------------------------------------------------------------------------

    @property
    def input_channels(self) -> int:
        return self.spec.input_channels

    def check_inputs(self, sar: torch.Tensor, dem: torch.Tensor | None,
                     need_multiple: bool = False) -> None:
        """Raise InputError for a wrong rank, channel count, size or a missing DEM."""
        spec = self.spec
        if sar.ndim != 4 or sar.shape[1] != spec.sar_channels:
            raise InputError(
                f"Model '{spec.name}' expects SAR as (batch, {spec.sar_channels}, height, "
                f"width), got shape {tuple(sar.shape)}; select {spec.sar_channels} SAR "
                "band(s) or use weights trained for your bands.")
        if spec.uses_dem:
            if dem is None:
                raise InputError(
                    f"Model '{spec.name}' fuses a DEM but none was given; supply a DEM "
                    "raster, or use a SAR-only model such as 'sardinet'.")
            if dem.ndim != 4 or dem.shape[1] != 1 or dem.shape[0] != sar.shape[0] \
                    or dem.shape[-2:] != sar.shape[-2:]:
                raise InputError(
                    f"The DEM must be (batch, 1, height, width) matching the SAR "
                    f"{tuple(sar.shape)}, got {tuple(dem.shape)}; resample the DEM onto the "
                    "SAR grid first.")
        if need_multiple:
            m = spec.size_multiple
            if sar.shape[-2] % m or sar.shape[-1] % m:
                raise InputError(
                    f"Model '{spec.name}' forward() needs height and width that are "
                    f"multiples of {m}, got {tuple(sar.shape[-2:])}; call predict(), which "
                    "pads and crops, or crop your training patches to a multiple.")

    def stack_inputs(self, sar: torch.Tensor, dem: torch.Tensor | None) -> torch.Tensor:
        """(B, input_channels, H, W): SAR bands then the DEM (for models that use one)."""
        if self.spec.uses_dem and dem is not None:
            return torch.cat((sar, dem), dim=1)
        return sar

    # --- ranges -------------------------------------------------------------------------

    def unit_to_input_range(self, x: torch.Tensor) -> torch.Tensor:
        """Map unit-scaled [0, 1] inputs to the range ``forward`` expects."""
        return _rescale(x, UNIT_RANGE, self.spec.input_range)

    def unit_to_output_range(self, rgb: torch.Tensor) -> torch.Tensor:
        """Map a [0, 1] optical target to the range ``forward`` outputs (for losses)."""
        return _rescale(rgb, UNIT_RANGE, self.spec.output_range)

    def output_to_unit(self, y: torch.Tensor) -> torch.Tensor:
        """Map ``forward`` output to RGB in [0, 1] (clamped)."""
        return _rescale(y, self.spec.output_range, UNIT_RANGE).clamp(0.0, 1.0)

    # --- inference ----------------------------------------------------------------------

    def predict(self, sar: torch.Tensor, dem: torch.Tensor | None = None) -> torch.Tensor:
        """Unit-scaled SAR (B, C, H, W) and DEM (B, 1, H, W) -> RGB (B, 3, H, W) in [0, 1].

        Any H, W: inputs are reflect-padded to ``spec.size_multiple`` (and tiny ones up to
        ``spec.min_size``) and the output is cropped back. A DEM given to a model that does
        not use one is ignored. Runs without gradients in the module's current mode: call
        ``.eval()`` first (``load_weights`` returns models in eval mode).
        """
        self.check_inputs(sar, dem)
        param = next(self.parameters())
        height, width = sar.shape[-2:]
        pads = pads_for(height, width, self.spec.size_multiple, self.spec.min_size)
        with torch.inference_mode():
            sar = self.unit_to_input_range(sar.to(param.device, param.dtype))
            if self.spec.uses_dem and dem is not None:  # check_inputs refused a missing one
                dem = self.unit_to_input_range(dem.to(param.device, param.dtype))
                dem = reflect_pad(dem, pads)
            else:
                dem = None
            out = self.forward(reflect_pad(sar, pads), dem)
            return self.output_to_unit(crop(out, pads, height, width))

    # --- counting -----------------------------------------------------------------------

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def conditioning_weight_count(self) -> int | None:
        """Input-conditioning convolution kernels (biases excluded); None without one."""
        return None
