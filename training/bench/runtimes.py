"""Every runtime side by side in ``sardine bench``: each installed ONNX engine (OpenVINO,
ONNX Runtime) on the bench's model, and all of them on what users actually run, the
bundled ``sardinet-late`` on the bundled sample scene, against PyTorch (the default before
ONNX weights existed). Rounds alternate between runtimes and the best of each counts, so a
load that comes and goes on a shared machine hurts every runtime alike.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...core.onnx_engines import ONNX_ENGINES, OnnxEngine
from ...core.onnx_model import read_onnx_metadata
from ...core.translate.backends import BatchRunner
from ...core.translate.cores import usable_cores
from .measure import model_throughput as torch_throughput
from .memory import translate_in_subprocess

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "weights"


def installed_engines() -> list[OnnxEngine]:
    return [engine for engine in ONNX_ENGINES.values() if engine.available()]


def engine_throughput(engine: OnnxEngine, path: Path, tile: int, batch: int, repeats: int,
                      threads: int) -> float:
    """Megapixels of input per second through ``engine``, batches already in memory (the
    same arrays, seed 0, as the PyTorch and ONNX Runtime model-alone figures)."""
    spec = read_onnx_metadata(path).spec
    runner = BatchRunner(engine.make(path, spec, threads, None), batch)
    rng = np.random.default_rng(0)
    sar = rng.random((batch, spec.sar_channels, tile, tile), dtype=np.float32)
    dem = rng.random((batch, 1, tile, tile), dtype=np.float32) if spec.uses_dem else None
    runner(sar, dem)  # warm-up: compilation, first allocations
    start = time.perf_counter()
    for _ in range(repeats):
        runner(sar, dem)
    return repeats * batch * tile * tile / 1e6 / (time.perf_counter() - start)


def engine_figures(engine: OnnxEngine, onnx: Path, scenes: dict[int, tuple[Path, Path]],
                   folder: Path, tile: int, overlap: int, batch: int, repeats: int,
                   torch_figures: dict[str, Any]) -> dict[str, Any]:
    """Model alone and the whole translate path (fresh process per size) for one engine on
    the bench's exported model; ratios against PyTorch's figures of the same run."""
    model = engine_throughput(engine, onnx, tile, batch, repeats, usable_cores())
    runs = {size: translate_in_subprocess(sar, dem, onnx, folder / f"out-{engine.runtime}.tif",
                                          "cpu", tile, overlap, batch, runtime=engine.runtime)
            for size, (sar, dem) in scenes.items()}
    large = max(scenes)
    return {"model_mp_per_s": model,
            "speedup_model": model / torch_figures["model_mp_per_s"],
            "translate_mp_per_s": runs[large]["mp_per_s"],
            "speedup_translate": runs[large]["mp_per_s"] / torch_figures["translate_mp_per_s"],
            "translate_seconds": {str(s): r["seconds"] for s, r in runs.items()},
            "peak_rss_mb": {str(s): r["peak_rss_mb"] for s, r in runs.items()}}


def bundled_comparison(folder: Path, rounds: int = 2, tile: int = 512, batch: int = 2,
                       repeats: int = 6, sar: Path = SAMPLE / "sar.tif",
                       dem: Path = SAMPLE / "dem.tif", model_name: str = "sardinet-late",
                       log: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """The bundled weights with every installed runtime: the model alone on batches of
    ``tile``^2, and the whole ``translate`` of the scene (the sample scene by default) in
    a fresh process; ``rounds`` alternating rounds, best of each runtime."""
    from ...core.weights import load_weights

    weights = BUNDLED / f"{model_name}.safetensors"
    onnx = weights.with_suffix(".onnx")
    module, _ = load_weights(weights)
    engines = installed_engines()
    model: dict[str, list[float]] = {"torch": [], **{e.runtime: [] for e in engines}}
    seconds: dict[str, list[float]] = {key: [] for key in model}
    for i in range(rounds):
        log(f"Bundled {model_name}, every runtime: round {i + 1} of {rounds}")
        model["torch"].append(torch_throughput(module, "cpu", tile, batch, repeats))
        for engine in engines:
            model[engine.runtime].append(engine_throughput(engine, onnx, tile, batch, repeats,
                                                           usable_cores()))
        for runtime in seconds:
            run = translate_in_subprocess(sar, dem, weights, folder / f"bundled-{runtime}.tif",
                                          "cpu", tile, 64, batch, runtime=runtime)
            seconds[runtime].append(run["seconds"])
    best_model = {k: max(v) for k, v in model.items()}
    best_seconds = {k: min(v) for k, v in seconds.items()}
    return {"model": f"{model_name} (bundled weights)", "scene": str(sar.parent.name),
            "tile": tile, "batch": batch, "rounds": rounds,
            "model_mp_per_s": best_model, "model_rounds": model,
            "speedup_model": {k: v / best_model["torch"] for k, v in best_model.items()},
            "translate_seconds": best_seconds, "translate_rounds": seconds,
            "speedup_translate": {k: best_seconds["torch"] / v
                                  for k, v in best_seconds.items()},
            "torch_version": torch.__version__}
