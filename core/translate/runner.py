"""Runs batches of tiles through a model as fast as the device allows.

CPU: intra-op threads = the cores this process may use, channels_last tensors,
``torch.inference_mode``. CUDA: the same, plus bf16 (or fp16) autocast and a pinned host
buffer for asynchronous copies; a GPU out-of-memory error halves the batch and retries.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import numpy as np
import torch

from ..errors import InputError
from .cores import usable_cores

__all__ = ["CPU_BATCH", "CUDA_BATCH", "TileRunner", "auto_batch", "pick_device",
           "torch_threads", "usable_cores"]

PredictFn = Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]


# Tiles per forward pass when the user leaves it to us. On CPU a larger batch buys no speed
# (one 512^2 tile already keeps every core busy: 3.30, 3.37 and 3.56 s per tile at batch 1,
# 2 and 4 for sardinet-late, docs/PERFORMANCE.md) but holds that many tiles' activations,
# about 250 MB each at published widths. On CUDA, batches fill the GPU; OOM halves them.
CPU_BATCH = 2
CUDA_BATCH = 4


def auto_batch(device: torch.device) -> int:
    return CUDA_BATCH if device.type == "cuda" else CPU_BATCH


def pick_device(name: str) -> torch.device:
    """'auto' -> CUDA when PyTorch sees a GPU, else CPU; 'cuda' without a GPU is refused."""
    if name not in ("auto", "cpu", "cuda"):
        raise InputError(f"Unknown device {name!r}; use auto, cpu or cuda.")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError(f"The CUDA device was asked for, but PyTorch {torch.__version__} sees "
                         "no CUDA GPU (CPU-only build or no driver); choose the CPU or the "
                         "automatic device.")
    return torch.device(name)


def _oom_errors() -> tuple[type[BaseException], ...]:
    errors = [getattr(torch, "OutOfMemoryError", None),
              getattr(torch.cuda, "OutOfMemoryError", None)]
    return tuple({e for e in errors if e is not None})


class TileRunner:
    """Calls ``predict(sar, dem)`` on numpy tile batches and returns numpy RGB.

    ``batch`` is a ceiling: after an out-of-memory error it is halved for the rest of the
    run (``on_halve`` is told), down to 1; an OOM at batch 1 is an InputError.
    """

    def __init__(self, predict: PredictFn, device: torch.device, batch: int,
                 precision: str = "auto", channels_last: bool = True,
                 on_halve: Callable[[int], None] | None = None) -> None:
        self.predict = predict
        self.device = device
        self.batch = max(1, int(batch))
        self.channels_last = channels_last
        self.on_halve = on_halve
        self.amp_dtype = self._amp_dtype(precision)
        self._pinned: dict[tuple, torch.Tensor] = {}

    def _amp_dtype(self, precision: str) -> torch.dtype | None:
        if precision not in ("auto", "fp32", "bf16", "fp16"):
            raise InputError(f"Unknown precision {precision!r}; use auto, fp32, bf16 or fp16.")
        if precision == "fp32" or (precision == "auto" and self.device.type != "cuda"):
            return None
        if precision == "fp16":
            return torch.float16
        if precision == "bf16" or torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16

    def _to_device(self, array: np.ndarray, role: str) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(array))
        if self.device.type == "cuda":
            key = (role, *tensor.shape)  # one buffer per role: copies may be in flight
            pinned = self._pinned.get(key)
            if pinned is None:
                pinned = torch.empty(tuple(tensor.shape), dtype=tensor.dtype).pin_memory()
                self._pinned[key] = pinned
            pinned.copy_(tensor)
            tensor = pinned.to(self.device, non_blocking=True)
        if self.channels_last:
            tensor = tensor.contiguous(memory_format=torch.channels_last)
        return tensor

    def _forward(self, sar: np.ndarray, dem: np.ndarray | None) -> np.ndarray:
        autocast = (torch.autocast(self.device.type, dtype=self.amp_dtype)
                    if self.amp_dtype is not None else nullcontext())
        with torch.inference_mode(), autocast:
            sar_t = self._to_device(sar, "sar")
            dem_t = self._to_device(dem, "dem") if dem is not None else None
            rgb = self.predict(sar_t, dem_t)
            return rgb.float().clamp_(0.0, 1.0).cpu().numpy()

    def __call__(self, sar: np.ndarray, dem: np.ndarray | None) -> np.ndarray:
        """(N, C, T, T) unit SAR and (N, 1, T, T) DEM or None -> (N, 3, T, T) float32."""
        n = sar.shape[0]
        out = np.empty((n, 3) + sar.shape[2:], dtype=np.float32)
        i = 0
        oom = _oom_errors()
        while i < n:
            b = min(self.batch, n - i)
            try:
                out[i:i + b] = self._forward(sar[i:i + b],
                                             dem[i:i + b] if dem is not None else None)
                i += b
                continue
            except oom as exc:
                if b == 1:
                    raise InputError(
                        f"The {self.device.type.upper()} ran out of memory even for one tile of "
                        f"{sar.shape[-1]} pixels; use a smaller tile size (e.g. 256) or "
                        "the CPU.") from exc
            # Outside the except clause: the failed pass's tensors (held by the traceback)
            # are gone, so the cache can really be emptied before retrying.
            self._pinned.clear()
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            self.batch = max(1, b // 2)
            if self.on_halve is not None:
                self.on_halve(self.batch)
        return out


class torch_threads:  # noqa: N801 (used as a context manager, reads like one)
    """For the run: torch's intra-op threads = the usable cores on CPU (or ``threads``);
    cuDNN autotuning on CUDA (every tile has the same shape). Restored afterwards."""

    def __init__(self, device: torch.device, threads: int | None = None) -> None:
        self.wanted = threads or (usable_cores() if device.type == "cpu" else None)
        self.previous = torch.get_num_threads()
        self.cuda = device.type == "cuda"
        self.previous_benchmark = torch.backends.cudnn.benchmark

    def __enter__(self) -> torch_threads:
        if self.wanted:
            torch.set_num_threads(int(self.wanted))
        if self.cuda:
            torch.backends.cudnn.benchmark = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.wanted:
            torch.set_num_threads(self.previous)
        if self.cuda:
            torch.backends.cudnn.benchmark = self.previous_benchmark
