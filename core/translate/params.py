"""The parameter dataclass between every front end (CLI, Processing, dock) and the engine:
the one definition of every option and its default. Front ends read their defaults and
limits from here (``default("tile")``, ``LIMITS``) instead of restating them.

Pure Python (no torch, no GDAL), so QGIS dialogs and argparse can import it cheaply.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..geometry import LOOKS

ENHANCEMENTS = ("none", "laplacian", "wiener")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
RUNTIMES = ("auto", "torch", "onnxruntime", "openvino")  # see runtime.choose_runtime
# option -> (minimum, maximum) a front end may offer; the checks in preflight enforce them.
__all__ = ["DEVICES", "ENHANCEMENTS", "LIMITS", "LOOKS", "PRECISIONS", "RUNTIMES",
           "TranslateParams", "TranslateResult", "default"]
LIMITS: dict[str, tuple[float, float]] = {
    "tile": (64, 8192), "overlap": (0, 1024), "batch": (0, 256),
    "incidence": (1.0, 89.0), "heading": (0.0, 360.0),
}


@dataclass
class TranslateParams:
    """One translation. ``incidence``/``heading`` None: read from the SAR file's metadata
    (needed only with ``distortion_out``)."""

    sar_path: Path
    out_path: Path
    model: str  # a bundled model's name or a .safetensors / .onnx weights file
    dem_path: Path | None = None
    sar_bands: tuple[int, ...] = (1, 2)  # 1-based band indexes in the SAR raster
    device: str = "auto"
    tile: int = 512
    overlap: int = 64
    batch: int = 0  # tiles per forward pass; 0: automatic (runner.auto_batch)
    enhance: str = "none"
    distortion_out: Path | None = None
    incidence: float | None = None  # degrees on flat ground; None: from the SAR metadata
    heading: float | None = None  # degrees clockwise from north; None: from the SAR metadata
    look: str = "right"  # Sentinel-1 looks right
    creation_options: dict = field(default_factory=dict)  # GDAL GTiff options override
    precision: str = "auto"  # auto (bf16/fp16 on CUDA, fp32 on CPU) | fp32 | bf16 | fp16
    threads: int | None = None  # torch intra-op threads on CPU; None: the usable cores
    channels_last: bool = True  # NHWC tensors (faster convolutions on most devices)
    compile: bool = False  # torch.compile the model: faster per tile, ~20 s to compile
    runtime: str = "auto"  # auto: OpenVINO or ONNX Runtime when installed and an .onnx exists


def default(name: str) -> Any:
    """The default of option ``name`` of ``TranslateParams``."""
    for f in fields(TranslateParams):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
            raise KeyError(f"{name} has no default: it is required")
    raise KeyError(name)


@dataclass
class TranslateResult:
    out_path: Path
    distortion_path: Path | None
    width: int
    height: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    where: str = ""  # device and runtime that ran the model, e.g. "CPU (OpenVINO)"
