"""ONNX weights: Sardine's metadata inside an ``.onnx`` file, and a model call through ONNX
Runtime on numpy arrays. Nothing here imports torch, so translation with ONNX weights runs
with numpy, rasterio, scipy and onnxruntime only.

``sardine export`` (training/export_onnx.py) writes the network with its input scaling
and output clamp (unit-scaled SAR and DEM in, RGB in [0, 1] out, batch, height and width
dynamic) and stores, under the metadata property ``sardine``, the weights file's metadata
plus the model spec (bands, DEM use, size multiple) and the SHA-256 of the source
``.safetensors`` (so an exported twin that no longer matches its source is not used).
"""
from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, MissingDependencyError, WeightsError
from .onnx_scan import ONNX_SUFFIX, check_onnx_file
from .pads import pads_for
from .weights_metadata import WeightsMetadata

METADATA_KEY = "sardine"
ORT_REQUIREMENT = "onnxruntime==1.23.2"
OPTIMIZATION_LEVELS = ("disable", "basic", "extended", "all")


@dataclass(frozen=True)
class OnnxSpec:
    """The model facts translation needs (the registry's ``ModelSpec`` without torch)."""

    name: str
    sar_channels: int
    uses_dem: bool
    out_channels: int = 3
    size_multiple: int = 1
    min_size: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sar_channels": self.sar_channels,
                "uses_dem": self.uses_dem, "out_channels": self.out_channels,
                "size_multiple": self.size_multiple, "min_size": self.min_size}


@dataclass(frozen=True)
class OnnxMetadata:
    weights: WeightsMetadata
    spec: OnnxSpec
    source_sha256: str = ""
    export: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps({"weights": self.weights.to_dict(), "spec": self.spec.to_dict(),
                           "source_sha256": self.source_sha256,
                           "export": self.export or {}}, sort_keys=True)


def read_onnx_metadata(path: str | Path) -> OnnxMetadata:
    """Sardine's metadata of an ONNX file, after the file's safety checks (no ORT needed)."""
    path = Path(path)
    summary = check_onnx_file(path)
    raw = summary.metadata.get(METADATA_KEY)
    if raw is None:
        raise WeightsError(f"{path} has no Sardine metadata, so its inputs and normalisation "
                           "are unknown; export it with `sardine export --weights "
                           "W.safetensors`, which records them.")
    try:
        data = json.loads(raw)
        spec = OnnxSpec(**{k: data["spec"][k] for k in
                           ("name", "sar_channels", "uses_dem", "out_channels",
                            "size_multiple", "min_size")})
    except (ValueError, KeyError, TypeError) as exc:
        raise WeightsError(f"The Sardine metadata of {path} is malformed ({exc!r}); re-export "
                           "it with `sardine export`.") from None
    weights = WeightsMetadata.from_dict(data.get("weights") or {}, source=str(path))
    return OnnxMetadata(weights=weights, spec=spec,
                        source_sha256=str(data.get("source_sha256", "")),
                        export=dict(data.get("export") or {}))


def onnxruntime_available() -> bool:
    """onnxruntime is installed (found, not imported)."""
    try:
        return importlib.util.find_spec("onnxruntime") is not None
    except (ImportError, ValueError):
        return False


def import_onnxruntime() -> Any:
    """The onnxruntime module, or a MissingDependencyError saying how to install it."""
    try:
        import onnxruntime
    except ImportError:
        raise MissingDependencyError(
            f"ONNX weights need ONNX Runtime, which is not installed; install it with "
            f"`python -m pip install {ORT_REQUIREMENT}` (in QGIS: the Install button of the "
            "Sardine dock), or use the .safetensors weights with PyTorch.") from None
    return onnxruntime


def session_options(threads: int, optimization: str = "all", spinning: bool = True) -> Any:
    """ORT session options: ``threads`` intra-op threads, one inter-op thread, the given
    graph optimisation level; ``spinning`` off makes idle workers sleep at once."""
    ort = import_onnxruntime()
    if optimization not in OPTIMIZATION_LEVELS:
        raise InputError(f"Unknown ONNX Runtime optimisation {optimization!r}; use one of "
                         f"{', '.join(OPTIMIZATION_LEVELS)}.")
    level = {"disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
             "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
             "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
             "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[optimization]
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = level
    options.log_severity_level = 3  # errors only: warnings are raised as Sardine errors
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class PaddedPredictor:
    """``predict(sar, dem)`` on numpy: unit-scaled (B, C, H, W) and (B, 1, H, W) or None ->
    RGB (B, 3, H, W) float32 in [0, 1], any H and W (reflect-padded to the size multiple
    and cropped back, as ``TranslationModel.predict`` does). Subclasses run the exported
    graph (inputs ``sar`` and ``dem``, output ``rgb``) with one engine or another."""

    path: Path
    spec: OnnxSpec

    def _check_inputs(self, names: list[str]) -> None:
        expected = ["sar", "dem"] if self.spec.uses_dem else ["sar"]
        if names != expected:
            raise WeightsError(f"{self.path} takes inputs {names}, not {expected}; export it "
                               "with `sardine export`.")

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, sar: np.ndarray, dem: np.ndarray | None = None) -> np.ndarray:
        height, width = sar.shape[-2:]
        pads = pads_for(height, width, self.spec.size_multiple, self.spec.min_size)
        feed = {"sar": _pad(sar, pads)}
        if self.spec.uses_dem:
            if dem is None:
                raise InputError(f"Model '{self.spec.name}' fuses a DEM but none was given; "
                                 "supply a DEM raster.")
            feed["dem"] = _pad(dem, pads)
        rgb = self._run(feed)
        left, _, top, _ = pads
        return np.clip(rgb[..., top:top + height, left:left + width], 0.0, 1.0)


class OnnxPredictor(PaddedPredictor):
    """The exported graph through an ONNX Runtime session."""

    def __init__(self, path: str | Path, spec: OnnxSpec, threads: int,
                 optimization: str = "all", providers: list[str] | None = None,
                 spinning: bool = True) -> None:
        ort = import_onnxruntime()
        self.path = Path(path)
        self.spec = spec
        try:
            self.session = ort.InferenceSession(
                str(self.path), sess_options=session_options(threads, optimization, spinning),
                providers=providers or ["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 (ORT raises its own untyped errors)
            raise WeightsError(f"ONNX Runtime {ort.__version__} cannot load {self.path} "
                               f"({str(exc).strip()[:300]}); re-export it with `sardine "
                               "export` or update onnxruntime.") from None
        self._check_inputs([i.name for i in self.session.get_inputs()])

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(["rgb"], feed)[0]


def _pad(x: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    left, right, top, bottom = pads
    x = np.ascontiguousarray(x, dtype=np.float32)
    if not any(pads):
        return x
    if min(x.shape[-2:]) > 1:
        return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="reflect")
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="edge")


def twin(path: Path, suffix: str) -> Path | None:
    """The file beside ``path`` with the same stem and ``suffix``, if it exists."""
    candidate = Path(path).with_suffix(suffix)
    return candidate if candidate.is_file() else None


def is_onnx(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ONNX_SUFFIX
