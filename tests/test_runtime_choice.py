"""``--runtime auto|torch|onnxruntime``: which runtime runs which file, and the errors when
the asked one cannot."""
from __future__ import annotations

import shutil

import pytest
from sardine.core.errors import InputError, MissingDependencyError
from sardine.core.translate import runtime
from sardine.core.translate.runtime import choose_runtime
from support import save_tiny

pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    from sardine.training.export_onnx import export_onnx

    folder = tmp_path_factory.mktemp("pair")
    weights = save_tiny(folder / "w.safetensors", "sardinet")
    return weights, export_onnx(weights).path


def test_auto_prefers_onnxruntime_and_its_twin(pair, monkeypatch):
    weights, onnx = pair
    monkeypatch.setattr(runtime, "nvidia_driver_present", lambda: False)
    assert choose_runtime(weights) == ("onnxruntime", onnx)
    assert choose_runtime(onnx) == ("onnxruntime", onnx)
    assert choose_runtime(onnx, "torch") == ("torch", weights)
    assert choose_runtime(weights, "auto", "cuda") == ("torch", weights)  # GPU: PyTorch


def test_auto_falls_back_to_torch_without_onnxruntime(pair, monkeypatch):
    weights, onnx = pair
    monkeypatch.setattr(runtime, "onnxruntime_available", lambda: False)
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
    with pytest.raises(InputError, match="auto, torch, onnxruntime"):
        choose_runtime(weights, "tensorrt")


def test_a_corrupt_twin_is_passed_over_by_auto(pair, tmp_path):
    weights, _ = pair
    copy = shutil.copy(weights, tmp_path / "c.safetensors")
    (tmp_path / "c.onnx").write_bytes(b"not a model")
    assert choose_runtime(copy) == ("torch", copy)
