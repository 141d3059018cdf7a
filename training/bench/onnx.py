"""ONNX Runtime in ``sardine bench``: the same model exported, timed alone and through the
whole translate path, against PyTorch; and what else might help on CPU (graph optimisation
levels, threads, idle-thread spinning, int8 dynamic quantisation with its quality cost on
the bundled sample scene). Every figure is measured here, none assumed.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...core.onnx_model import OPTIMIZATION_LEVELS, OnnxPredictor, read_onnx_metadata
from ...core.translate.backends import BatchRunner
from ...core.translate.cores import usable_cores
from ..export_onnx import export_onnx
from .memory import translate_in_subprocess

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "weights"


def available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _inputs(spec, tile: int, batch: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The same arrays as the PyTorch model-alone measurement (seed 0)."""
    rng = np.random.default_rng(0)
    sar = rng.random((batch, spec.sar_channels, tile, tile), dtype=np.float32)
    dem = rng.random((batch, 1, tile, tile), dtype=np.float32) if spec.uses_dem else None
    return sar, dem


def model_throughput(path: Path, tile: int, batch: int, repeats: int, threads: int,
                     optimization: str = "all", spinning: bool = True) -> float:
    """Megapixels of input per second through ONNX Runtime, batches already in memory."""
    spec = read_onnx_metadata(path).spec
    runner = BatchRunner(OnnxPredictor(path, spec, threads, optimization,
                                       spinning=spinning), batch)
    sar, dem = _inputs(spec, tile, batch)
    runner(sar, dem)  # warm-up: session initialisation, first allocations
    start = time.perf_counter()
    for _ in range(repeats):
        runner(sar, dem)
    return repeats * batch * tile * tile / 1e6 / (time.perf_counter() - start)


def max_difference(model: torch.nn.Module, path: Path, tile: int, batch: int) -> float:
    """max |ONNX Runtime - PyTorch| on the bench's batch of tiles (RGB in [0, 1])."""
    from ...core.models.fold import fold_batchnorm

    reference = copy.deepcopy(model).eval()
    fold_batchnorm(reference)
    sar, dem = _inputs(reference.spec, tile, batch)
    with torch.inference_mode():
        expected = reference.predict(torch.from_numpy(sar),
                                     torch.from_numpy(dem) if dem is not None else None)
    got = OnnxPredictor(path, read_onnx_metadata(path).spec, usable_cores())(sar, dem)
    return float(np.abs(got - expected.numpy()).max())


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation of the weights (activations quantised at run time)."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.disable(logging.WARNING)  # the quantiser logs every tensor it leaves as is
    try:  # unsigned weights: ONNX Runtime's CPU ConvInteger takes uint8 x uint8 only
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QUInt8)
    finally:
        logging.disable(logging.NOTSET)
    proto = onnx.load(str(dst))
    source = {p.key: p.value for p in onnx.load(str(src)).metadata_props}
    del proto.metadata_props[:]
    for key, value in source.items():  # keep Sardine's metadata on the quantised copy
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(dst))
    return dst


def int8_quality(folder: Path, model_name: str = "sardinet-late") -> dict[str, Any]:
    """Translate the bundled sample scene with the bundled weights in float32 and int8
    through ONNX Runtime, and with PyTorch; compare the 8-bit outputs."""
    import rasterio

    from ...core.translate import TranslateParams, translate

    weights = BUNDLED / f"{model_name}.safetensors"
    fp32 = export_onnx(weights, folder / f"{model_name}.onnx").path
    int8 = quantize_int8(fp32, folder / f"{model_name}-int8.onnx")
    outputs: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    for label, path, runtime in (("torch", weights, "torch"), ("fp32", fp32, "onnxruntime"),
                                 ("int8", int8, "onnxruntime")):
        out = folder / f"sample-{label}.tif"
        result = translate(TranslateParams(sar_path=SAMPLE / "sar.tif", dem_path=SAMPLE /
                                           "dem.tif", model=str(path), out_path=out,
                                           device="cpu", runtime=runtime))
        seconds[label] = result.seconds
        with rasterio.open(out) as src:
            outputs[label] = src.read().astype(np.float64)
        out.unlink()

    def compare(a: str, b: str) -> dict[str, float]:
        diff = np.abs(outputs[a] - outputs[b])
        mse = float((diff ** 2).mean())
        return {"mean_abs_dn": float(diff.mean()), "max_abs_dn": float(diff.max()),
                "psnr_db": float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)}

    return {"model": model_name, "scene": "resources/sample (1024^2)",
            "fp32_vs_torch": compare("fp32", "torch"), "int8_vs_fp32": compare("int8", "fp32"),
            "translate_seconds": seconds,
            "file_mb": {"fp32": fp32.stat().st_size / 1e6, "int8": int8.stat().st_size / 1e6}}


def run_onnx_bench(model: torch.nn.Module, weights: Path, folder: Path,
                   scenes: dict[int, tuple[Path, Path]], tile: int, overlap: int, batch: int,
                   repeats: int, torch_figures: dict[str, Any],
                   log: Callable[[str], None], quality: bool = True) -> dict[str, Any]:
    """Every ONNX Runtime figure of the bench (see docs/PERFORMANCE.md); ``quality``: also
    int8's quality cost on the sample scene (three translations of 1024^2)."""
    cores = usable_cores()
    log("ONNX Runtime: export (checked against PyTorch)")
    path = export_onnx(weights, folder / "bench-model.onnx").path
    figures: dict[str, Any] = {"threads": cores,
                               "max_abs_diff_vs_torch": max_difference(model, path, tile,
                                                                       batch)}
    log("ONNX Runtime: model alone")
    figures["model_mp_per_s"] = model_throughput(path, tile, batch, repeats, cores)
    runs = {}
    for size, (sar, dem) in scenes.items():
        log(f"ONNX Runtime: whole translate path on {size}^2 in a fresh process")
        runs[size] = translate_in_subprocess(sar, dem, path, folder / "out-ort.tif", "cpu",
                                             tile, overlap, batch, runtime="onnxruntime")
    large = max(scenes)
    figures["translate_mp_per_s"] = runs[large]["mp_per_s"]
    figures["translate_seconds"] = {str(s): r["seconds"] for s, r in runs.items()}
    figures["peak_rss_mb"] = {str(s): r["peak_rss_mb"] for s, r in runs.items()}
    figures["speedup_model"] = figures["model_mp_per_s"] / torch_figures["model_mp_per_s"]
    figures["speedup_translate"] = (figures["translate_mp_per_s"]
                                    / torch_figures["translate_mp_per_s"])
    log("ONNX Runtime options: graph optimisation levels, threads, spinning")
    options: dict[str, float] = {}
    for level in OPTIMIZATION_LEVELS:
        options[f"optimization={level}"] = model_throughput(path, tile, batch, repeats, cores,
                                                            level)
    if cores > 1:
        options["threads=1"] = model_throughput(path, tile, batch, repeats, 1)
    options["spinning=off"] = model_throughput(path, tile, batch, repeats, cores,
                                               spinning=False)
    figures["options_model_mp_per_s"] = options
    log("ONNX Runtime: int8 dynamic quantisation (speed, then quality on the sample scene)")
    int8 = quantize_int8(path, folder / "bench-model-int8.onnx")
    figures["int8_model_mp_per_s"] = model_throughput(int8, tile, batch, repeats, cores)
    figures["int8_quality"] = int8_quality(folder) if quality else None
    return figures
