"""The parameter dataclass between every front end (CLI, Processing, dock) and the engine."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..geometry import AcquisitionGeometry

ENHANCEMENTS = ("none", "laplacian", "wiener")
DEVICES = ("auto", "cpu", "cuda")
RUNTIMES = ("auto", "torch", "onnxruntime")  # see runtime.choose_runtime


@dataclass
class TranslateParams:
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
    geometry: AcquisitionGeometry | None = None  # needed when distortion_out is set
    creation_options: dict = field(default_factory=dict)  # GDAL GTiff options override
    precision: str = "auto"  # auto (bf16/fp16 on CUDA, fp32 on CPU) | fp32 | bf16 | fp16
    threads: int | None = None  # torch intra-op threads on CPU; None: the usable cores
    channels_last: bool = True  # NHWC tensors (faster convolutions on most devices)
    compile: bool = False  # torch.compile the model: faster per tile, ~20 s to compile
    runtime: str = "auto"  # auto (ONNX Runtime if it and an .onnx exist) | torch | onnxruntime


@dataclass
class TranslateResult:
    out_path: Path
    distortion_path: Path | None
    width: int
    height: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
