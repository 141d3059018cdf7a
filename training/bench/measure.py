"""The three in-process measurements of ``sardine bench``: the model's own limit, the
I/O limit (identity model) and a training step. Each returns plain numbers."""
from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np
import torch

from ...core.models.base import TranslationModel
from ...core.models.fold import fold_batchnorm
from ...core.translate import TranslateParams, translate
from ...core.translate.compiled import compile_forward
from ...core.translate.model_info import LoadedModel, ModelInfo
from ...core.translate.runner import TileRunner, pick_device, torch_threads


def model_throughput(model: TranslationModel, device: str, tile: int, batch: int,
                     repeats: int, compile_model: bool = False) -> float:
    """Megapixels of input per second of batched tiles already in memory (no I/O), through
    the engine's own ``TileRunner`` (inference_mode, channels_last, the engine's threads,
    BatchNorm folded as the engine folds it; a copy, so the training step is unaffected)."""
    dev = pick_device(device)
    model = copy.deepcopy(model).to(dev).eval().to(memory_format=torch.channels_last)
    fold_batchnorm(model)
    if compile_model:
        compile_forward(model, lambda message: None)
    runner = TileRunner(model.predict, dev, batch)
    rng = np.random.default_rng(0)
    sar = rng.random((batch, model.spec.sar_channels, tile, tile), dtype=np.float32)
    dem = rng.random((batch, 1, tile, tile), dtype=np.float32) if model.spec.uses_dem else None
    with torch_threads(dev):
        runner(sar, dem)  # warm-up: allocator, oneDNN/cuDNN kernel choice, compiling
        _sync(dev)
        start = time.perf_counter()
        for _ in range(repeats):
            runner(sar, dem)
        _sync(dev)
        seconds = time.perf_counter() - start
    return repeats * batch * tile * tile / 1e6 / seconds


def _identity_predict(sar: torch.Tensor, dem: torch.Tensor | None) -> torch.Tensor:
    """VV, VH, DEM as R, G, B: costs nothing, so a run measures only reading/warping/writing."""
    bands = [sar[:, :2]] + ([dem] if dem is not None else [sar[:, :1]])
    return torch.cat(bands, dim=1)[:, :3]


def identity_model(pixel_size_m: float = 10.0) -> LoadedModel:
    """A ``LoadedModel`` that needs a DEM (so the DEM is warped) and computes nothing."""
    info = ModelInfo(name="identity", uses_dem=True, sar_channels=2, size_multiple=8,
                     pixel_size_m=pixel_size_m)
    return LoadedModel(info=info, predict=_identity_predict)


def io_throughput(sar: Path, dem: Path, out: Path, device: str, tile: int, overlap: int,
                  batch: int) -> float:
    """Megapixels per second of the whole translate path with the identity model: read SAR,
    warp DEM from EPSG:4326, blend and write the DEFLATE output (the I/O limit)."""
    params = TranslateParams(sar_path=sar, dem_path=dem, out_path=out, model="identity",
                             device=device, tile=tile, overlap=overlap, batch=batch)
    result = translate(params, model=identity_model())
    out.unlink(missing_ok=True)
    return result.width * result.height / 1e6 / result.seconds


def train_throughput(model: TranslationModel, device: str, batch: int, patch: int,
                     steps: int) -> float:
    """Samples per second of a SARDINet-style training step (forward, L1, backward, Adam)
    at ``batch`` patches of ``patch`` pixels; the first step is a warm-up."""
    dev = pick_device(device)
    model.to(dev).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)
    gen = torch.Generator().manual_seed(0)
    sar = torch.rand((batch, model.spec.sar_channels, patch, patch), generator=gen).to(dev)
    dem = torch.rand((batch, 1, patch, patch), generator=gen).to(dev)
    target = torch.rand((batch, 3, patch, patch), generator=gen).to(dev)
    dem_in = dem if model.spec.uses_dem else None

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.l1_loss(model(sar, dem_in), target)
        loss.backward()
        optimizer.step()

    with torch_threads(dev):
        step()
        _sync(dev)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(dev)
        seconds = time.perf_counter() - start
    model.eval()
    return steps * batch / seconds


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()
