"""``sardine bench`` as a user runs it: every figure written, with sane values.

Uses the hidden ``--tiny`` profile (toy rasters and model widths) so the test stays fast;
it goes through the same code as ``--quick`` and the full run: generated rasters with the
DEM in EPSG:4326, the model alone, the identity-model I/O run, ``translate`` in fresh
processes for peak memory, the change view and trust layer against one translation, and a
training step. No timing is asserted (beyond change costing more than one translation).
"""
from __future__ import annotations

import json
import math
import os
import subprocess

from conftest import SARDINE
from sardine.core.onnx_engines import ONNX_ENGINES

POSITIVE = ("model_mp_per_s", "io_mp_per_s", "translate_mp_per_s", "efficiency",
            "memory_growth", "train_samples_per_s", "model_limit_mp_per_s",
            "limit_mp_per_s", "tiling_overhead", "efficiency_vs_tiles", "bench_seconds")
MACHINE = ("cpu", "cpu_cores", "usable_cores", "torch_threads", "gpu", "torch", "device",
           "load_average_start", "load_average_end")


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_bench_quick_json(tmp_path):
    out, work, scratch = tmp_path / "bench.json", tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    scratch.mkdir()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(scratch))
    proc = subprocess.run([str(SARDINE), "bench", "--quick", "--tiny", "--device", "cpu",
                           "--json", str(out)], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "efficiency" in proc.stdout and "memory_growth" in proc.stdout
    result = json.loads(out.read_text())
    for key in POSITIVE:
        assert _positive(result[key]), (key, result[key])
    assert 0 < result["efficiency"] <= 1.2
    assert result["bound_by"] in ("model", "io")
    small, large = result["setup"]["sizes"]
    assert small < large
    assert set(result["peak_rss_mb"]) == {str(small), str(large)}
    assert all(_positive(v) and v > 50 for v in result["peak_rss_mb"].values())
    assert all(_positive(v) for v in result["translate_seconds"].values())
    blocks = result["tiles_per_block"]
    assert 1 <= blocks[str(small)] <= blocks[str(large)] <= result["setup"]["batch"]
    for key in MACHINE:
        assert result["machine"][key] not in (None, ""), key
    assert result["machine"]["gpu"] and result["setup"]["model_widths"] == "tiny"
    assert _positive(result["setup"]["parameters"])
    ort = result.get("onnxruntime")
    if ort is not None:  # onnx and onnxruntime installed: both runtimes measured
        for key in ("model_mp_per_s", "translate_mp_per_s", "speedup_model",
                    "speedup_translate", "int8_model_mp_per_s"):
            assert _positive(ort[key]), (key, ort[key])
        assert ort["max_abs_diff_vs_torch"] < 1e-3
        assert all(_positive(v) for v in ort["options_model_mp_per_s"].values())
        assert set(ort["peak_rss_mb"]) == {str(small), str(large)}
    if ONNX_ENGINES["openvino"].available() and ort is not None:  # the same for OpenVINO
        ov = result["openvino"]
        for key in ("model_mp_per_s", "translate_mp_per_s", "speedup_model",
                    "speedup_translate"):
            assert _positive(ov[key]), (key, ov[key])
        assert set(ov["peak_rss_mb"]) == {str(small), str(large)}
    change = result["change"]  # the change view and the trust layer against translation
    assert change["size"] == small and change["repeats"] >= 1
    for name in ("translate", "translate_trust", "change"):
        assert all(_positive(v) for v in change["seconds"][name]), name
    assert _positive(change["change_ratio"]) and _positive(change["trust_ratio"])
    for name in ("translate", "translate_trust", "change"):  # CPU seconds beside wall clock
        assert all(_positive(v) for v in change["cpu_seconds"][name]), name
    assert _positive(change["change_cpu_ratio"]) and _positive(change["trust_cpu_ratio"])
    assert change["weights"] == "bench.safetensors" and change["runtime"] == "torch"  # tiny
    assert "change_ratio" in proc.stdout and "trust_ratio" in proc.stdout
    assert list(work.iterdir()) == []  # nothing written to the working directory
    # temporary rasters and weights cleaned up (torch may leave its own caches there)
    assert [p for p in scratch.iterdir() if p.name.startswith("sardine")] == []


def test_child_peak_is_its_own_not_the_parents():
    """A forked-and-exec'd child must not report the parent's memory as its peak (Linux
    carries the pre-exec high-water mark into ru_maxrss)."""
    import sys

    import numpy as np

    ballast = np.ones(96 * 2**20)  # 768 MB, resident: the parent is now big
    code = ("from sardine.training.bench.memory import peak_rss_mb; "
            "import resource; print(peak_rss_mb(), "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    own, inherited = float(out[0]), float(out[1])
    assert ballast.sum() > 0
    assert own < 500, own  # a Python that imported the bench module, not the parent
    if sys.platform.startswith("linux"):
        assert inherited > own  # the quirk this guards against is real here


def test_bundled_weights_with_every_runtime(tmp_path):
    """The comparison users care about: the bundled weights with each installed runtime
    (here on a small scene and tiles; ``sardine bench`` uses the sample scene)."""
    import pytest
    from sardine.training.bench.runtimes import bundled_comparison, installed_engines
    from support import make_scene

    if not installed_engines():
        pytest.skip("no ONNX engine installed")
    sar, dem = make_scene(tmp_path, 128)
    figures = bundled_comparison(tmp_path, rounds=1, tile=128, batch=1, repeats=1, sar=sar,
                                 dem=dem)
    runtimes = {"torch", *(e.runtime for e in installed_engines())}
    for key in ("model_mp_per_s", "speedup_model", "translate_seconds", "speedup_translate"):
        assert set(figures[key]) == runtimes and all(map(_positive, figures[key].values()))
    assert figures["speedup_model"]["torch"] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "sar.tif"]


def test_change_block_runs_the_bundled_weights_of_the_model(tmp_path):
    """What `sardine change --model NAME` runs by default, when NAME is bundled."""
    from sardine.training.bench.change import change_weights

    bench = tmp_path / "bench.safetensors"
    assert change_weights("sardinet-late", bench).name == "sardinet-late.safetensors"
    assert change_weights("sardinet-intermediate", bench) == bench  # not bundled
