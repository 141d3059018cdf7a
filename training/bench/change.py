"""The change view's and the trust layer's cost in ``sardine bench``: ``run_change`` and
``translate --trust-out`` timed against one plain translation of the same scene (with the
DEM, no mask), in one process, the three runs alternated ``repeats`` times so a loaded
machine slows all of them alike; the ratios of the medians are the figures (targets: at
most 2.2 for change, 1.5 for trust; docs/CHANGE.md). The process's CPU seconds (all its
threads) are recorded beside the wall-clock ones: on a shared machine the wall-clock ratio
moves with the other jobs' load, the CPU ratio much less.
"""
from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...core.bundled import resolve_model
from ...core.change import ChangeParams, run_change, translate_with_trust
from ...core.errors import InputError
from ...core.translate import TranslateParams, translate
from ...core.translate.runtime import choose_runtime
from .inputs import write_sar

GEOMETRY = {"incidence": 39.0, "heading": 190.0}  # the bench scenes carry no metadata
CHANGE_TARGET = 2.2
TRUST_TARGET = 1.5


def run_change_bench(sar: Path, dem: Path, weights: Path, folder: Path, device: str,
                     tile: int, overlap: int, repeats: int,
                     log: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Seconds of each run (all repeats, wall clock and CPU), medians and the ratios."""
    post = write_sar(folder / f"post_{sar.name}", _size(sar), seed=1)  # fresh speckle
    common = {"model": str(weights), "device": device, "tile": tile, "overlap": overlap}
    out, trust = folder / "plain.tif", folder / "trust.tif"
    change_dir = folder / "change"

    def plain() -> None:
        translate(TranslateParams(sar_path=sar, dem_path=dem, out_path=out, **common))

    def with_trust() -> None:
        translate_with_trust(TranslateParams(sar_path=sar, dem_path=dem, out_path=out,
                                             **GEOMETRY, **common), trust)

    def change() -> None:
        run_change(ChangeParams(pre_sar=sar, post_sar=post, out_dir=change_dir, dem_path=dem,
                                **GEOMETRY, **common))

    runs = {"translate": plain, "translate_trust": with_trust, "change": change}
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for index in range(repeats):
        for name, call in runs.items():
            log(f"{name} ({index + 1}/{repeats})")
            start, start_cpu = time.perf_counter(), time.process_time()
            call()
            seconds[name].append(round(time.perf_counter() - start, 3))
            cpu[name].append(round(time.process_time() - start_cpu, 3))
            for path in (out, trust):
                path.unlink(missing_ok=True)
            shutil.rmtree(change_dir, ignore_errors=True)
    post.unlink(missing_ok=True)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    return {"size": _size(sar), "repeats": repeats, "weights": weights.name,
            "runtime": choose_runtime(weights, "auto", device)[0], "seconds": seconds,
            "median": median, "change_ratio": median["change"] / median["translate"],
            "trust_ratio": median["translate_trust"] / median["translate"],
            "cpu_seconds": cpu, "median_cpu": median_cpu,
            "change_cpu_ratio": median_cpu["change"] / median_cpu["translate"],
            "trust_cpu_ratio": median_cpu["translate_trust"] / median_cpu["translate"],
            "change_target": CHANGE_TARGET, "trust_target": TRUST_TARGET}


def change_weights(model: str, bench_weights: Path) -> Path:
    """What the change block runs: the bundled weights of the bench's model when there are
    some (what ``sardine change --model NAME`` runs, on the default runtime: OpenVINO or
    ONNX Runtime with their ``.onnx`` twin), else the bench's random weights (PyTorch)."""
    try:
        return resolve_model(model)
    except InputError:
        return bench_weights


def _size(path: Path) -> int:
    import rasterio

    with rasterio.open(path) as src:
        return int(src.width)
