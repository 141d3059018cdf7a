"""Training state in safetensors (never pickle): optimizers, extra networks, RNG states.

``last.safetensors`` holds the model like any weights file; ``state.safetensors`` beside it
holds what ``--resume`` needs to continue bit for bit: every optimizer's tensors (its
hyper-parameters as JSON), the discriminators / reverse generator of the GAN families, the
AMP scaler, the image pools, and the torch, CUDA, NumPy and Python RNG states. Tensors go in
the tensor section, everything else in the JSON metadata string.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch

from ...core.atomic import atomic_output
from ...core.errors import InputError

META_KEY = "sardine_training_state"
STATE_FILE = "state.safetensors"


def _plain(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().to("cpu").contiguous().clone()


def module_tensors(prefix: str, module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {f"{prefix}.{k}": _plain(v) for k, v in module.state_dict().items()}


def load_module(prefix: str, module: torch.nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    state = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    module.load_state_dict(state, strict=True)


def optimizer_tensors(prefix: str, optimizer: torch.optim.Optimizer
                      ) -> tuple[dict[str, torch.Tensor], dict]:
    """Optimizer state split into tensors and JSON (param groups, non-tensor values)."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict] = {}
    for pid, values in state["state"].items():
        for key, value in values.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{pid}.{key}"] = _plain(value)
            else:
                scalars.setdefault(str(pid), {})[key] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def load_optimizer(prefix: str, optimizer: torch.optim.Optimizer,
                   tensors: dict[str, torch.Tensor], meta: dict) -> None:
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith(prefix + "."):
            pid, key = name[len(prefix) + 1:].split(".", 1)
            state.setdefault(int(pid), {})[key] = value
    for pid, values in meta.get("scalars", {}).items():
        state.setdefault(int(pid), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def rng_state() -> tuple[dict[str, torch.Tensor], dict]:
    """Every RNG a training step may draw from."""
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = s
    np_state = np.random.get_state()
    meta = {"numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
            "python": [random.getstate()[0], list(random.getstate()[1]),
                       random.getstate()[2]]}
    return tensors, meta


def set_rng_state(tensors: dict[str, torch.Tensor], meta: dict) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    cuda = sorted(k for k in tensors if k.startswith("rng.cuda."))
    if cuda and torch.cuda.is_available():
        states = [tensors[k] for k in cuda][:torch.cuda.device_count()]
        torch.cuda.set_rng_state_all(states)
    kind, keys, pos, has_gauss, gauss = meta["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = meta["python"]
    random.setstate((version, tuple(internal), gauss_next))


def save_state(path: Path, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    """Write tensors plus a JSON metadata block atomically."""
    from safetensors.torch import save_file

    with atomic_output(path) as tmp:
        save_file({k: _plain(v) for k, v in tensors.items()}, str(tmp),
                  metadata={META_KEY: json.dumps(meta)})


def load_state(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    from safetensors import SafetensorError, safe_open

    if not path.exists():
        raise InputError(f"{path} is missing, so --resume cannot continue this run; start "
                         "without --resume (or point --out at the run folder to resume).")
    try:
        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads((handle.metadata() or {})[META_KEY])
            tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    except (OSError, KeyError, ValueError, SafetensorError) as exc:
        raise InputError(f"{path} is not a Sardine training state ({exc}); delete the run "
                         "folder's last.safetensors and state.safetensors and train afresh."
                         ) from exc
    return tensors, meta
