"""``--runtime auto|torch|onnxruntime|openvino``: which runtime runs which file, and the
errors when the asked one cannot."""
from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from sardine.core.errors import InputError, MissingDependencyError
from sardine.core.onnx_engines import ONNX_ENGINES
from sardine.core.translate import runtime
from sardine.core.translate.params import RUNTIMES
from sardine.core.translate.runtime import choose_runtime
from support import save_tiny

pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from sardine.training.export_onnx import export_onnx

    folder = tmp_path_factory.mktemp("pair")
    weights = save_tiny(folder / "w.safetensors", "sardinet")
    return weights, export_onnx(weights).path


def _installed(monkeypatch, *names: str) -> None:
    """As if only the ONNX engines ``names`` were installed."""
    for name, engine in ONNX_ENGINES.items():
        monkeypatch.setitem(ONNX_ENGINES, name,
                            replace(engine, available=lambda found=name in names: found))


def test_every_runtime_is_torch_or_a_registered_onnx_engine():
    assert set(RUNTIMES) == {"auto", "torch", *ONNX_ENGINES}


def test_auto_prefers_openvino_then_onnxruntime_and_the_twin(pair, monkeypatch):
    weights, onnx = pair
    monkeypatch.setattr(runtime, "nvidia_driver_present", lambda: False)
    _installed(monkeypatch, "openvino", "onnxruntime")
    assert choose_runtime(weights) == ("openvino", onnx)
    assert choose_runtime(onnx) == ("openvino", onnx)
    assert choose_runtime(weights, "onnxruntime") == ("onnxruntime", onnx)
    assert choose_runtime(onnx, "torch") == ("torch", weights)
    assert choose_runtime(weights, "auto", "cuda") == ("torch", weights)  # GPU: PyTorch
    _installed(monkeypatch, "onnxruntime")
    assert choose_runtime(weights) == ("onnxruntime", onnx)
    with pytest.raises(MissingDependencyError, match="openvino==2026.4.1"):
        choose_runtime(onnx, "openvino")
    with pytest.raises(InputError, match="OpenVINO runs on the CPU here"):
        choose_runtime(onnx, "openvino", "cuda")


def test_auto_falls_back_to_torch_without_an_onnx_engine(pair, monkeypatch):
    weights, onnx = pair
    _installed(monkeypatch)
    assert choose_runtime(weights) == ("torch", weights)
    assert choose_runtime(onnx) == ("torch", weights)
    with pytest.raises(MissingDependencyError, match="onnxruntime==1.23.2"):
        choose_runtime(onnx, "onnxruntime")


def test_refusals_name_the_fix(pair, tmp_path):
    weights, onnx = pair
    alone = shutil.copy(weights, tmp_path / "alone.safetensors")
    with pytest.raises(InputError, match="sardine export --weights"):
        choose_runtime(alone, "onnxruntime")
    lone_onnx = shutil.copy(onnx, tmp_path / "lone.onnx")
    with pytest.raises(InputError, match="--runtime onnxruntime"):
        choose_runtime(lone_onnx, "torch")
    with pytest.raises(InputError, match="auto, torch, onnxruntime, openvino"):
        choose_runtime(weights, "tensorrt")


def test_a_corrupt_twin_is_passed_over_by_auto(pair, tmp_path):
    weights, _ = pair
    copy = shutil.copy(weights, tmp_path / "c.safetensors")
    (tmp_path / "c.onnx").write_bytes(b"not a model")
    assert choose_runtime(copy) == ("torch", copy)


def test_the_summary_says_what_will_run_and_why_not_faster(pair, monkeypatch, tmp_path):
    """The dock's line under the model, before Run."""
    weights, onnx = pair
    monkeypatch.setattr(runtime, "nvidia_driver_present", lambda: False)
    _installed(monkeypatch, "onnxruntime")
    assert runtime.runtime_summary(str(weights)) == "Runs with ONNX Runtime (w.onnx)."
    assert runtime.runtime_summary(str(weights), "cuda") == "Runs with PyTorch (the GPU path)."
    alone = tmp_path / "alone.safetensors"
    shutil.copy(weights, alone)
    assert runtime.runtime_summary(str(alone)).startswith(
        "Runs with PyTorch (no .onnx twin exported from alone.safetensors beside it; "
        f"`sardine export --weights {alone}` makes one")
    _installed(monkeypatch)
    assert runtime.runtime_summary(str(weights)) == \
        "Runs with PyTorch (neither OpenVINO nor ONNX Runtime is installed)."
    assert runtime.runtime_summary(str(tmp_path / "gone.safetensors")).startswith(
        "Cannot run: ")
