"""Which runtime runs the model, and from which file:
``--runtime auto|torch|onnxruntime|openvino``.

auto: an ONNX engine (OpenVINO, else ONNX Runtime: ``core.onnx_engines``) when one is
installed and the weights are an ``.onnx`` file or have an exported ``.onnx`` twin beside
them (same name, recorded source checksum matching), since they are 1.5 to 2.5 times
faster on CPU (docs/PERFORMANCE.md); PyTorch when a CUDA GPU is asked for or present
(PyTorch remains the GPU path), or when no ONNX engine or twin is there. Deciding never
imports torch unless PyTorch could be the answer.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from ..errors import InputError, MissingDependencyError, SardineError
from ..onnx_engines import FALLBACK, ONNX_ENGINES, preferred_engine
from ..onnx_model import import_onnxruntime, is_onnx, read_onnx_metadata, twin
from ..onnx_scan import ONNX_SUFFIX
from ..weights import WEIGHTS_SUFFIX, sha256_of
from .params import RUNTIMES

TORCH_HINT = ("PyTorch is not installed; install it (CPU build: `python -m pip install "
              "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu`; in QGIS: the "
              "Install button of the Sardine dock)")


def torch_available() -> bool:
    """torch is installed (found, not imported: importing it takes seconds)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def nvidia_driver_present() -> bool:
    """An NVIDIA driver is loaded (Linux) or its tool is on PATH (any OS); no torch needed."""
    return os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi") is not None


def _wants_gpu(device: str) -> bool:
    if device == "cuda":
        return True
    if device != "auto" or not nvidia_driver_present() or not torch_available():
        return False
    import torch

    return bool(torch.cuda.is_available())


def _matching_twin(safetensors: Path) -> Path | None:
    """The .onnx exported from exactly this .safetensors, if one sits beside it (a twin
    that is unreadable or exported from other weights is passed over)."""
    onnx = twin(safetensors, ONNX_SUFFIX)
    if onnx is None:
        return None
    try:
        recorded = read_onnx_metadata(onnx).source_sha256
    except SardineError:
        return None
    return onnx if recorded and recorded == sha256_of(safetensors) else None


def choose_runtime(path: Path, runtime: str = "auto", device: str = "auto"
                   ) -> tuple[str, Path]:
    """(runtime, weights file it reads) for a resolved weights path; clear errors when the
    asked runtime cannot run (not installed, no file for it)."""
    if runtime not in RUNTIMES:
        raise InputError(f"Unknown runtime {runtime!r}; use one of {', '.join(RUNTIMES)}.")
    path = Path(path)
    if is_onnx(path):
        onnx, torch_file = path, twin(path, WEIGHTS_SUFFIX)
    else:
        onnx, torch_file = None, path
    if runtime == "auto":
        best = preferred_engine()
        if best is not None and not _wants_gpu(device):
            onnx = onnx or _matching_twin(path)
            if onnx is not None:
                return best.runtime, onnx
        if torch_file is not None and torch_available():
            runtime = "torch"
        else:
            runtime = best.runtime if best is not None else FALLBACK
    if runtime == "torch":
        if torch_file is None:
            raise InputError(f"PyTorch cannot run the ONNX file {path.name} and no "
                             f"{path.with_suffix(WEIGHTS_SUFFIX).name} sits beside it; use "
                             "--runtime onnxruntime (or auto).")
        if not torch_available():
            raise MissingDependencyError(f"{TORCH_HINT}, or export the weights once with "
                                         "`sardine export` and run them with ONNX Runtime.")
        return "torch", torch_file
    engine = ONNX_ENGINES[runtime]
    if device == "cuda":
        if not engine.cuda:
            raise InputError(f"{engine.label} runs on the CPU here; use --runtime torch for "
                             "the GPU, or --device cpu.")
        ort = import_onnxruntime()
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise InputError("--device cuda with ONNX Runtime needs the onnxruntime-gpu "
                             "package; use --runtime torch for the GPU, or --device cpu.")
    if onnx is None:
        onnx = twin(path, ONNX_SUFFIX)
    if onnx is None:
        raise InputError(f"There is no ONNX file for {path.name}; export one with `sardine "
                         f"export --weights {path}` (writes {path.with_suffix(ONNX_SUFFIX).name})"
                         ", or use --runtime torch.")
    if not engine.available():
        raise MissingDependencyError(
            f"{path.name} can only run with {engine.label} here, which is not installed "
            + ("(and neither is PyTorch)" if not torch_available() else "")
            + f"; install it with `python -m pip install {engine.requirement}`"
            + (" (in QGIS: the Install button of the Sardine dock)." if runtime == FALLBACK
               else ", or use --runtime auto."))
    return runtime, onnx


def runtime_summary(model: str, device: str = "auto") -> str:
    """One line for the analyst before a run: what ``--runtime auto`` will run ``model`` (a
    bundled name or a weights path) with, and, for PyTorch on a CPU, why not faster."""
    from ..bundled import resolve_model

    try:
        path = resolve_model(model)
        runtime, file = choose_runtime(path, "auto", device)
    except SardineError as exc:
        return f"Cannot run: {exc}"
    if runtime != "torch":
        return f"Runs with {ONNX_ENGINES[runtime].label} ({file.name})."
    if _wants_gpu(device):
        why = "the GPU path"
    elif preferred_engine() is None:
        why = "neither OpenVINO nor ONNX Runtime is installed"
    else:
        why = (f"no .onnx twin exported from {path.name} beside it; `sardine export "
               f"--weights {path}` makes one, 1.5 to 2.5 times as fast on CPU")
    return f"Runs with PyTorch ({why})."
