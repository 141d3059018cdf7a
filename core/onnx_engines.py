"""The engines that run an exported ``.onnx`` file on numpy arrays, in ``--runtime auto``'s
order of preference (the fastest measured first: docs/PERFORMANCE.md). Adding one means
adding an entry here and its name to ``translate.params.RUNTIMES``. Nothing here imports
torch, onnxruntime or openvino: each engine is imported when a file is loaded.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .onnx_model import (
    ORT_REQUIREMENT,
    OnnxPredictor,
    OnnxSpec,
    PaddedPredictor,
    onnxruntime_available,
)
from .openvino_model import OPENVINO_REQUIREMENT, OpenVinoPredictor, openvino_available


@dataclass(frozen=True)
class OnnxEngine:
    runtime: str  # the --runtime value
    label: str  # for messages and the log line
    requirement: str  # pinned pip requirement
    available: Callable[[], bool]  # installed (found, not imported)
    make: Callable[[Path, OnnxSpec, int, list[str] | None], PaddedPredictor]
    cuda: bool = False  # can run on a CUDA GPU (with its GPU package)


def _onnxruntime(path: Path, spec: OnnxSpec, threads: int, providers: list[str] | None
                 ) -> PaddedPredictor:
    return OnnxPredictor(path, spec, threads, providers=providers)


def _openvino(path: Path, spec: OnnxSpec, threads: int, providers: list[str] | None
              ) -> PaddedPredictor:
    return OpenVinoPredictor(path, spec, threads)


ONNX_ENGINES: dict[str, OnnxEngine] = {
    "openvino": OnnxEngine("openvino", "OpenVINO", OPENVINO_REQUIREMENT, openvino_available,
                           _openvino),
    "onnxruntime": OnnxEngine("onnxruntime", "ONNX Runtime", ORT_REQUIREMENT,
                              onnxruntime_available, _onnxruntime, cuda=True),
}
FALLBACK = "onnxruntime"  # the one to suggest installing: the smaller wheel


def preferred_engine() -> OnnxEngine | None:
    """The first installed engine in order of preference, or None."""
    return next((e for e in ONNX_ENGINES.values() if e.available()), None)
