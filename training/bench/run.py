"""``sardine bench``: the translation pipeline measured against its own limits.

One run measures the model alone (tiles in memory), the I/O alone (identity model, DEM
warped from EPSG:4326, DEFLATE output), the whole ``translate`` path, peak memory at two
raster sizes (each in a fresh process), the change view and the trust layer against one
translation, and a training step, on the current machine.
``efficiency`` = translate / min(model x (tile-overlap)^2/tile^2, io): 1.0 means the
pipeline runs as fast as its slowest stage allows. See docs/PERFORMANCE.md.
"""
from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from ...core.errors import InputError
from ...core.models import build_model
from ...core.translate.engine import edge_pad
from ...core.translate.runner import CPU_BATCH, pick_device, usable_cores
from ...core.translate.tiling import TileLayout
from ...core.version import __version__
from ...core.weights import WeightsMetadata, save_weights
from .change import change_weights, run_change_bench
from .inputs import write_scene
from .measure import io_throughput, model_throughput, train_throughput
from .memory import translate_in_subprocess
from .onnx import available as onnx_available
from .onnx import run_onnx_bench
from .runtimes import bundled_comparison, engine_figures, installed_engines

TRAIN_BATCH = 24  # the paper's batch size
HALF_WIDTHS = {"conditioning_widths": (48, 128), "encoder_widths": (128, 256),
               "decoder_widths": (128, 48)}
TINY_WIDTHS = {"conditioning_widths": (8, 16), "encoder_widths": (16, 32),
               "decoder_widths": (16, 8)}
BALANCED = {"half": ((8, 6), (4, 32)), "tiny": ((2, 4), (4, 4))}


@dataclass(frozen=True)
class Profile:
    """How big and how long: ``full`` (the real figures), ``quick`` (< 2 min on 2 CPU
    cores) and ``tiny`` (the test suite's; same code paths, toy sizes)."""

    name: str
    widths: str  # "published", "half" or "tiny"
    sizes: tuple[int, int]
    tile: int = 512
    overlap: int = 64
    batch: int = CPU_BATCH  # the engine's automatic CPU batch: the bench measures the default
    model_repeats: int = 3
    train_patch: int = 256
    train_steps: int = 2
    change_repeats: int = 3  # change/trust/translate alternated, on the smaller scene


PROFILES = {
    "full-cpu": Profile("full", "published", (1024, 4096)),
    "full-cuda": Profile("full", "published", (4096, 16384), batch=16, model_repeats=10,
                         train_steps=10),
    "quick": Profile("quick", "half", (512, 1024), model_repeats=2, train_patch=128,
                     train_steps=1, change_repeats=2),
    "tiny": Profile("tiny", "tiny", (256, 512), tile=256, overlap=32, model_repeats=2,
                    train_patch=64, train_steps=1, change_repeats=1),
}


MIN_SIZE, MAX_SIZE = 256, 65536  # side of the larger test raster, in pixels


@dataclass
class BenchOptions:
    device: str = "cpu"
    model: str = "sardinet-late"
    size: int | None = None  # the larger raster side; None: the profile's
    quick: bool = False
    tiny: bool = False
    compile: bool = False  # torch.compile the model (translate --compile)
    onnx: bool = True  # also ONNX Runtime (CPU), when onnx and onnxruntime are installed
    train: bool = True  # the training step (minutes at published widths on a CPU)
    change: bool = True  # the change view and the trust layer against translation
    log: Callable[[str], None] = field(default=lambda message: None, repr=False)

    def __post_init__(self) -> None:
        if self.size is not None and not MIN_SIZE <= int(self.size) <= MAX_SIZE:
            raise InputError(f"The bench size {self.size} must be from {MIN_SIZE} to "
                             f"{MAX_SIZE} pixels (or left out: the profile's own sizes).")


def pick_profile(options: BenchOptions, device: torch.device) -> Profile:
    key = "tiny" if options.tiny else "quick" if options.quick else f"full-{device.type}"
    profile = PROFILES[key]
    if options.size:
        small = min(profile.sizes[0], max(256, options.size // 4))
        profile = Profile(**{**asdict(profile), "sizes": (small, int(options.size))})
    return profile


def model_config(name: str, widths: str) -> dict[str, Any] | None:
    """Reduced widths for the quick/tiny profiles (SARDINet family only)."""
    if widths == "published" or not name.startswith("sardinet"):
        return None
    config: dict[str, Any] = dict(HALF_WIDTHS if widths == "half" else TINY_WIDTHS)
    if name == "sardinet-intermediate":
        config["balanced_kernels"] = BALANCED[widths]
    return config


def machine_facts(device: torch.device) -> dict[str, Any]:
    """What the figures depend on: CPU, cores, GPU, library versions, threads, load."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import rasterio

    facts: dict[str, Any] = {
        "cpu": cpu, "cpu_cores": os.cpu_count() or 1, "usable_cores": usable_cores(),
        "torch_threads": usable_cores() if device.type == "cpu" else torch.get_num_threads(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        "device": device.type, "torch": torch.__version__, "python": platform.python_version(),
        "rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__,
        "sardine": __version__,
    }
    if hasattr(os, "getloadavg"):
        facts["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    return facts


def _layout(size: int, profile: Profile, size_multiple: int) -> TileLayout:
    """The tiles the engine uses for a size^2 raster."""
    return TileLayout.fitted(size, size, profile.tile, profile.overlap,
                             edge_pad(profile.overlap, size_multiple), size_multiple)


def tiling_overhead(size: int, profile: Profile, size_multiple: int) -> float:
    """Model input pixels the engine's tiles really need, over the formula's
    size^2 * tile^2 / (tile-overlap)^2: > 1 when the tiles, even shrunk to fit
    (``TileLayout.fitted``), still cover padding beyond the raster."""
    layout = _layout(size, profile, size_multiple)
    ideal = size * size * profile.tile ** 2 / (profile.tile - profile.overlap) ** 2
    return layout.n_tiles * layout.tile ** 2 / ideal


def tiles_per_block(size: int, profile: Profile, size_multiple: int) -> int:
    """Tiles the model holds at once for this raster: blocks stay within one tile row, so a
    raster narrower than ``batch`` tiles never fills a batch (and needs less memory)."""
    return min(_layout(size, profile, size_multiple).n_cols, profile.batch)


def run_bench(options: BenchOptions) -> dict[str, Any]:
    """Run every measurement; returns the JSON-ready result (see docs/PERFORMANCE.md)."""
    log = options.log
    device = pick_device(options.device)
    profile = pick_profile(options, device)
    config = model_config(options.model, profile.widths)
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine_facts(device)}
    model = build_model(options.model, config)
    result["setup"] = {
        "profile": profile.name, "model": options.model, "model_widths": profile.widths,
        "model_config": model.config.to_dict() if hasattr(model.config, "to_dict") else config,
        "parameters": sum(p.numel() for p in model.parameters()),
        "weights": "random initialisation (speed and memory do not depend on the values)",
        "tile": profile.tile, "overlap": profile.overlap, "batch": profile.batch,
        "sizes": list(profile.sizes), "train_batch": TRAIN_BATCH,
        "train_patch": profile.train_patch, "sardine": __version__,
        "compile": options.compile,
    }
    small, large = profile.sizes
    with tempfile.TemporaryDirectory(prefix="sardine-bench-") as tmp:
        folder = Path(tmp)
        log(f"Writing {small}^2 and {large}^2 test scenes (DEM in EPSG:4326)")
        scenes = {size: write_scene(folder, size) for size in (small, large)}
        weights = save_weights(folder / "bench.safetensors", model,
                               WeightsMetadata(pixel_size_m=10.0))
        log("Model alone: batched tiles in memory")
        result["model_mp_per_s"] = model_throughput(model, options.device, profile.tile,
                                                    profile.batch, profile.model_repeats,
                                                    options.compile)
        log(f"I/O alone: identity model on {large}^2")
        sar, dem = scenes[large]
        result["io_mp_per_s"] = io_throughput(sar, dem, folder / "io.tif", options.device,
                                              profile.tile, profile.overlap, profile.batch)
        peaks: dict[str, float] = {}
        runs: dict[int, dict[str, float]] = {}
        for size in (small, large):
            log(f"Whole translate path on {size}^2 in a fresh process (peak memory)")
            sar, dem = scenes[size]
            runs[size] = translate_in_subprocess(sar, dem, weights, folder / "out.tif",
                                                 options.device, profile.tile,
                                                 profile.overlap, profile.batch,
                                                 compile_model=options.compile,
                                                 runtime="torch")
            peaks[str(size)] = runs[size]["peak_rss_mb"]
        if options.onnx and device.type == "cpu" and onnx_available():
            result["onnxruntime"] = run_onnx_bench(
                model, weights, folder, scenes, profile.tile, profile.overlap, profile.batch,
                profile.model_repeats, {"model_mp_per_s": result["model_mp_per_s"],
                                        "translate_mp_per_s": runs[large]["mp_per_s"]}, log,
                quality=profile.name != "tiny")
            _other_engines(result, profile, folder, scenes, runs[large]["mp_per_s"], log)
        result["change"] = None
        if options.change:
            sar, dem = scenes[small]
            log(f"Change and trust layer against translation on {small}^2 "
                f"({profile.change_repeats} rounds)")
            result["change"] = run_change_bench(
                sar, dem, weights if profile.name == "tiny" else
                change_weights(options.model, weights), folder, options.device,
                profile.tile, profile.overlap, profile.change_repeats, log)
        result["train_samples_per_s"] = None
        if options.train:
            log(f"Training step: batch {TRAIN_BATCH} x {profile.train_patch}^2")
            result["train_samples_per_s"] = train_throughput(
                model, options.device, TRAIN_BATCH, profile.train_patch, profile.train_steps)
    result["translate_mp_per_s"] = runs[large]["mp_per_s"]
    result["translate_seconds"] = {str(s): r["seconds"] for s, r in runs.items()}
    result["peak_rss_mb"] = peaks
    result["memory_growth"] = peaks[str(large)] / peaks[str(small)]
    result["tiles_per_block"] = {str(s): tiles_per_block(s, profile, model.spec.size_multiple)
                                 for s in (small, large)}
    _efficiency(result, profile, large, model.spec.size_multiple)
    if hasattr(os, "getloadavg"):
        result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["bench_seconds"] = time.perf_counter() - started
    return result


def _other_engines(result: dict[str, Any], profile: Profile, folder: Path,
                   scenes: dict[int, tuple[Path, Path]], torch_translate: float,
                   log: Callable[[str], None]) -> None:
    """ONNX engines besides ONNX Runtime on the exported bench model (``run_onnx_bench``
    wrote it), then every runtime on the bundled weights (not in the tiny profile)."""
    onnx = folder / "bench-model.onnx"
    for engine in installed_engines():
        if engine.runtime == "onnxruntime":
            continue
        log(f"{engine.label}: model alone and whole translate path")
        result[engine.runtime] = engine_figures(
            engine, onnx, scenes, folder, profile.tile, profile.overlap, profile.batch,
            profile.model_repeats, {"model_mp_per_s": result["model_mp_per_s"],
                                    "translate_mp_per_s": torch_translate})
    if profile.name != "tiny":
        result["bundled"] = bundled_comparison(folder, log=log)


def _efficiency(result: dict[str, Any], profile: Profile, size: int, multiple: int) -> None:
    """``efficiency`` as the issue defines it, and against the tiles this size really needs."""
    ideal = (profile.tile - profile.overlap) ** 2 / profile.tile ** 2
    model_limit = result["model_mp_per_s"] * ideal
    limit = min(model_limit, result["io_mp_per_s"])
    overhead = tiling_overhead(size, profile, multiple)
    real_limit = min(model_limit / overhead, result["io_mp_per_s"])
    result["model_limit_mp_per_s"] = model_limit
    result["limit_mp_per_s"] = limit
    result["efficiency"] = result["translate_mp_per_s"] / limit
    result["tiling_overhead"] = overhead
    result["efficiency_vs_tiles"] = result["translate_mp_per_s"] / real_limit
    result["bound_by"] = "model" if model_limit <= result["io_mp_per_s"] else "io"
