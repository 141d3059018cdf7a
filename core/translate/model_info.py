"""What the engine needs to know about a model, cheaply (for ``validate``) or loaded.

``ModelInfo`` comes from a weights file's header and the registry's spec built on the meta
device: no tensor is read, so the pre-flight check stays fast. ``LoadedModel`` adds the
callable. Callers with their own model (the benchmark's identity model, tests) build a
``LoadedModel`` directly and pass it to ``translate(..., model=...)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..errors import InputError, WeightsError
from ..normalization import Normalization


@dataclass(frozen=True)
class ModelInfo:
    name: str
    uses_dem: bool
    sar_channels: int
    size_multiple: int = 1
    normalization: Normalization = field(default_factory=Normalization)
    pixel_size_m: float | None = 10.0
    weights_path: Path | None = None
    sha256: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadedModel:
    """A model ready to run: ``predict(sar, dem)`` on unit-scaled tensors -> RGB [0, 1]."""

    info: ModelInfo
    predict: Any  # Callable[[Tensor, Tensor | None], Tensor]
    module: torch.nn.Module | None = None

    def to(self, device: torch.device, channels_last: bool) -> LoadedModel:
        if self.module is not None:
            self.module.to(device)
            if channels_last:
                # Module.to takes memory_format at run time; torch's stubs omit it.
                self.module.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            self.module.eval()
        return self


def resolve_weights(name_or_path: str) -> Path:
    """A weights file path as given, or the bundled weights of a model name."""
    from ..bundled import resolve_model

    return Path(resolve_model(str(name_or_path)))


def read_model_info(name_or_path: str) -> ModelInfo:
    """Model facts from a weights file's header (no tensors read)."""
    from ..models import build_model
    from ..weights import read_metadata

    path = resolve_weights(name_or_path)
    meta = read_metadata(path)
    try:
        with torch.device("meta"):
            spec = build_model(meta.model, meta.config).spec
    except InputError as exc:
        raise WeightsError(f"The model stored in {path} cannot be built: {exc}") from None
    return _info(spec, meta, path, sha256=None)


def _info(spec, meta, path: Path, sha256: str | None) -> ModelInfo:
    if spec.out_channels != 3:
        raise WeightsError(f"Model '{spec.name}' in {path} outputs {spec.out_channels} bands, "
                           "not RGB; translation needs weights of an RGB model.")
    return ModelInfo(name=spec.name, uses_dem=bool(spec.uses_dem),
                     sar_channels=int(spec.sar_channels),
                     size_multiple=int(spec.size_multiple), normalization=meta.normalization,
                     pixel_size_m=float(meta.pixel_size_m) if meta.pixel_size_m else None,
                     weights_path=path, sha256=sha256, config=dict(meta.config))


def load_model(name_or_path: str, device: torch.device) -> LoadedModel:
    """Load weights (checked, never pickle) and wrap the model for the engine."""
    from ..models.fold import fold_batchnorm
    from ..weights import load_weights, sha256_of

    path = resolve_weights(name_or_path)
    module, meta = load_weights(path, device="cpu")
    info = _info(module.spec, meta, path, sha256=sha256_of(path))
    fold_batchnorm(module)  # inference only: a pass over the feature map saved per BatchNorm
    return LoadedModel(info=info, predict=module.predict, module=module)
