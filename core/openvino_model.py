"""The exported ONNX graph through OpenVINO on the CPU: the same ``.onnx`` file, metadata
and safety checks as ONNX Runtime, a faster engine. On the bundled ``sardinet-late``
(2 CPU cores, batches of two 512^2 tiles) the model alone runs 1.7 times PyTorch with
folded BatchNorm against ONNX Runtime's 1.4-1.6 times; a whole translation 1.7 (large
rasters) to 2.5 times (small scenes, where PyTorch's start-up counts; docs/PERFORMANCE.md),
with outputs equal to 1e-7.
Nothing here imports torch.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from .errors import MissingDependencyError, WeightsError
from .onnx_model import OnnxSpec, PaddedPredictor

OPENVINO_REQUIREMENT = "openvino==2026.4.1"


def openvino_available() -> bool:
    """openvino is installed (found, not imported)."""
    try:
        return importlib.util.find_spec("openvino") is not None
    except (ImportError, ValueError):
        return False


def import_openvino() -> Any:
    """The openvino module, or a MissingDependencyError saying how to install it."""
    try:
        import openvino
    except ImportError:
        raise MissingDependencyError(
            f"--runtime openvino needs OpenVINO, which is not installed; install it with "
            f"`python -m pip install {OPENVINO_REQUIREMENT}`, or use --runtime onnxruntime "
            "(or auto).") from None
    return openvino


def compile_options(threads: int) -> dict[str, Any]:
    """Latency mode (one request at a time, all ``threads`` on it), and float32 kept even
    on CPUs where OpenVINO would default to bfloat16: outputs must match PyTorch's."""
    return {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": max(1, int(threads)),
            "INFERENCE_PRECISION_HINT": "f32"}


class OpenVinoPredictor(PaddedPredictor):
    """The exported graph compiled by OpenVINO for the CPU (shapes stay dynamic)."""

    def __init__(self, path: str | Path, spec: OnnxSpec, threads: int) -> None:
        ov = import_openvino()
        self.path = Path(path)
        self.spec = spec
        try:
            core = ov.Core()
            self.compiled = core.compile_model(core.read_model(str(self.path)), "CPU",
                                               compile_options(threads))
        except Exception as exc:  # noqa: BLE001 (OpenVINO raises its own untyped errors)
            raise WeightsError(f"OpenVINO {ov.__version__} cannot load {self.path} "
                               f"({str(exc).strip()[:300]}); re-export it with `sardine "
                               "export`, or use --runtime onnxruntime.") from None
        self._check_inputs([_input_name(port) for port in self.compiled.inputs])
        self._output = self.compiled.output("rgb")
        self._request = self.compiled.create_infer_request()

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        # One request, reused: the engine calls the model from one thread at a time. The
        # result is copied out, since the request's buffer is overwritten on the next call.
        return np.array(self._request.infer(feed)[self._output], dtype=np.float32, copy=True)


def _input_name(port: Any) -> str:
    """The graph's own input name: OpenVINO gives a port every name of its tensor (an
    input that is only scaled gets the scaling node's output name too)."""
    names = port.get_names()
    return next((n for n in ("sar", "dem") if n in names), port.get_any_name())
