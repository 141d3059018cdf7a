"""The model call of a run, for any runtime; the engine around it (tiles, blending,
masks, outputs) is the same. PyTorch: device, channels_last, optional compile, OOM-halving
``TileRunner`` and intra-op threads. An ONNX engine (OpenVINO, ONNX Runtime): one CPU
model (threads = usable cores) called on numpy batches. torch is imported only on the
PyTorch path.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..feedback import Feedback
from .cores import usable_cores
from .model_info import LoadedModel, ModelInfo, load_model, load_onnx_model
from .params import TranslateParams

# Tiles per ONNX engine call when the user leaves it to us: as for PyTorch on CPU, one
# 512^2 tile keeps every core busy, so a larger batch only holds more activations.
ONNX_BATCH = 2


class BatchRunner:
    """Calls a numpy ``predict(sar, dem)`` in batches of at most ``batch`` tiles."""

    def __init__(self, predict: Callable[[np.ndarray, np.ndarray | None], np.ndarray],
                 batch: int) -> None:
        self.predict = predict
        self.batch = max(1, int(batch))

    def __call__(self, sar: np.ndarray, dem: np.ndarray | None) -> np.ndarray:
        """(N, C, T, T) unit SAR and (N, 1, T, T) DEM or None -> (N, 3, T, T) float32."""
        n = sar.shape[0]
        out = np.empty((n, 3) + sar.shape[2:], dtype=np.float32)
        for i in range(0, n, self.batch):
            j = min(n, i + self.batch)
            out[i:j] = self.predict(sar[i:j], dem[i:j] if dem is not None else None)
        return out


@dataclass
class Backend:
    loaded: LoadedModel
    runner: Any  # TileRunner or BatchRunner: runner(sar, dem) -> rgb, runner.batch
    where: str  # for the log line and the result: "CPU (PyTorch)", "CPU (ONNX Runtime)"
    batch: int
    threads: AbstractContextManager


def load_for(params: TranslateParams, info: ModelInfo) -> LoadedModel:
    """The model of ``info`` loaded for ``params``' device and threads, as ``prepare`` does
    when given none. Why apart: a caller running several translations with one model
    (``sardine change``: pre and post) loads it once; loading and compiling an ONNX model
    costs about a tenth of a 1024^2 translation (docs/CHANGE.md)."""
    if info.runtime == "torch":
        from .runner import pick_device

        return load_model(str(info.weights_path), pick_device(params.device))
    if info.weights_path is None:
        from ..onnx_engines import ONNX_ENGINES

        raise ValueError(f"{ONNX_ENGINES[info.runtime].label} runs a weights file; this model "
                         "has none.")
    providers = (["CUDAExecutionProvider", "CPUExecutionProvider"]
                 if params.device == "cuda" else None)
    return load_onnx_model(info.weights_path, params.threads or usable_cores(), info.runtime,
                           providers=providers)


def prepare(params: TranslateParams, info: ModelInfo, model: LoadedModel | None,
            feedback: Feedback) -> Backend:
    """Load (unless ``model`` is given) and wrap the model for the runtime of ``info``."""
    runtime = model.info.runtime if model is not None else info.runtime
    if runtime == "torch":
        return _torch(params, info, model, feedback)
    return _onnx(runtime, params, info, model, feedback)


def _torch(params: TranslateParams, info: ModelInfo, model: LoadedModel | None,
           feedback: Feedback) -> Backend:
    from .compiled import compile_forward
    from .runner import TileRunner, auto_batch, pick_device, torch_threads

    device = pick_device(params.device)
    loaded = model if model is not None else load_for(params, info)
    loaded.to(device, params.channels_last)
    if params.compile and loaded.module is not None:
        compile_forward(loaded.module, feedback.warning)
    batch = params.batch or auto_batch(device)
    runner = TileRunner(loaded.predict, device, batch, precision=params.precision,
                        channels_last=params.channels_last,
                        on_halve=lambda b: feedback.warning(
                            f"Out of GPU memory: continuing with {b} tiles per batch."))
    return Backend(loaded, runner, f"{str(device).upper()} (PyTorch)", batch,
                   torch_threads(device, params.threads))


def _onnx(runtime: str, params: TranslateParams, info: ModelInfo, model: LoadedModel | None,
          feedback: Feedback) -> Backend:
    from ..onnx_engines import ONNX_ENGINES

    label = ONNX_ENGINES[runtime].label
    cuda = params.device == "cuda"
    model = model if model is not None else load_for(params, info)
    if params.compile:
        feedback.warning(f"--compile applies to PyTorch only; {label} optimises the graph "
                         "itself, so it is ignored.")
    if params.precision in ("bf16", "fp16"):
        feedback.warning(f"--precision {params.precision} applies to PyTorch on CUDA; "
                         f"{label} runs in float32.")
    batch = params.batch or ONNX_BATCH
    where = f"{'CUDA' if cuda else 'CPU'} ({label})"
    return Backend(model, BatchRunner(model.predict, batch), where, batch, nullcontext())
