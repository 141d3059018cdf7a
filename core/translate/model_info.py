"""What the engine needs to know about a model, cheaply (for ``validate``) or loaded.

``ModelInfo`` comes from a weights file's header and the registry's spec built on the meta
device (or, for ONNX weights, from the file's metadata, without torch): no tensor is read,
so the pre-flight check stays fast. ``LoadedModel`` adds the callable: a torch module's
``predict`` on tensors, or an ONNX Runtime session on numpy arrays (``info.runtime``).
Callers with their own model (the benchmark's identity model, tests) build a
``LoadedModel`` directly and pass it to ``translate(..., model=...)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, WeightsError
from ..normalization import Normalization
from ..trust_calibration import TrustCalibration
from .runtime import choose_runtime

if TYPE_CHECKING:  # torch is imported on use: ONNX weights translate without it
    import torch


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
    runtime: str = "torch"  # or an ONNX engine's name (core.onnx_engines): what runs the file
    trust_calibration: TrustCalibration | None = None  # the weights' own; None: fallback


@dataclass
class LoadedModel:
    """A model ready to run: ``predict(sar, dem)`` on unit-scaled tensors -> RGB [0, 1]."""

    info: ModelInfo
    predict: Any  # Callable[[Tensor, Tensor | None], Tensor], numpy arrays for ONNX Runtime
    module: torch.nn.Module | None = None

    def to(self, device: torch.device, channels_last: bool) -> LoadedModel:
        if self.module is not None:
            import torch

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


def read_model_info(name_or_path: str, runtime: str = "auto", device: str = "auto"
                    ) -> ModelInfo:
    """Model facts from a weights file's header (no tensors read), for the file that the
    chosen runtime reads (see ``runtime.choose_runtime``)."""
    runtime, path = choose_runtime(resolve_weights(name_or_path), runtime, device)
    if runtime != "torch":
        from ..onnx_model import read_onnx_metadata

        onnx = read_onnx_metadata(path)
        return _info(onnx.spec, onnx.weights, path, sha256=None, runtime=runtime)
    import torch

    from ..models import build_model
    from ..weights import read_metadata

    meta = read_metadata(path)
    try:
        with torch.device("meta"):
            spec = build_model(meta.model, meta.config).spec
    except InputError as exc:
        raise WeightsError(f"The model stored in {path} cannot be built: {exc}") from None
    return _info(spec, meta, path, sha256=None)


def _info(spec, meta, path: Path, sha256: str | None, runtime: str = "torch") -> ModelInfo:
    if spec.out_channels != 3:
        raise WeightsError(f"Model '{spec.name}' in {path} outputs {spec.out_channels} bands, "
                           "not RGB; translation needs weights of an RGB model.")
    return ModelInfo(name=spec.name, uses_dem=bool(spec.uses_dem),
                     sar_channels=int(spec.sar_channels),
                     size_multiple=int(spec.size_multiple), normalization=meta.normalization,
                     pixel_size_m=float(meta.pixel_size_m) if meta.pixel_size_m else None,
                     weights_path=path, sha256=sha256, config=dict(meta.config),
                     runtime=runtime, trust_calibration=meta.trust_calibration)


def load_onnx_model(path: str | Path, threads: int, runtime: str = "onnxruntime",
                    providers: list[str] | None = None) -> LoadedModel:
    """Checked ONNX weights loaded by the ONNX engine ``runtime``, wrapped for the engine."""
    from ..onnx_engines import ONNX_ENGINES
    from ..onnx_model import read_onnx_metadata
    from ..weights import sha256_of

    path = Path(path)
    onnx = read_onnx_metadata(path)
    info = _info(onnx.spec, onnx.weights, path, sha256=sha256_of(path), runtime=runtime)
    predictor = ONNX_ENGINES[runtime].make(path, onnx.spec, threads, providers)
    return LoadedModel(info=info, predict=predictor)


def load_model(name_or_path: str, device: torch.device) -> LoadedModel:
    """Load weights (checked, never pickle) and wrap the model for the engine."""
    from ..models.fold import fold_batchnorm
    from ..weights import load_weights, sha256_of

    path = resolve_weights(name_or_path)
    module, meta = load_weights(path, device="cpu")
    info = _info(module.spec, meta, path, sha256=sha256_of(path))
    fold_batchnorm(module)  # inference only: a pass over the feature map saved per BatchNorm
    return LoadedModel(info=info, predict=module.predict, module=module)
