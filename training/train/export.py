"""Turn a run's best weights into a file to ship: float16 (half the size, loads back as
float32) with a plain statement of what the weights were trained on."""
from __future__ import annotations

from pathlib import Path

import torch

from ...core.weights import load_weights, save_weights


def export_weights(src: str | Path, out: str | Path, training_data: str | None = None,
                   extra: dict | None = None, dtype: torch.dtype = torch.float16) -> Path:
    """Re-save ``src`` (e.g. RUN/model.safetensors) as ``out`` in ``dtype``; the metadata is
    kept (normalisation, metrics, config) and ``training_data``/``extra`` are updated."""
    model, meta = load_weights(src)
    if training_data is not None:
        meta.training_data = training_data
    if extra:
        meta.extra = {**meta.extra, **extra}
    return save_weights(Path(out), model, meta, dtype=dtype)
