"""The ``.onnx`` twin that ``sardine adapt`` and ``sardine train`` write beside their
weights: written and picked by ``--runtime auto``, replacing only an earlier twin of the same
weights, never a user's file, and its absence explained when the ONNX packages are missing."""
from __future__ import annotations

import argparse

import pytest
from sardine.cli.commands.adapt import add_arguments, config_from_args
from sardine.core.feedback import Feedback
from sardine.core.onnx_engines import preferred_engine
from sardine.core.onnx_model import read_onnx_metadata
from sardine.core.translate.runtime import choose_runtime
from sardine.core.weights import sha256_of
from sardine.training import onnx_twin
from sardine.training.onnx_twin import write_twin
from support import save_tiny

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _feedback() -> tuple[Feedback, list[str]]:
    infos: list[str] = []
    return Feedback(on_info=infos.append, on_warning=lambda _m: None), infos


def test_the_twin_is_written_and_auto_runs_it(tmp_path):
    weights = save_tiny(tmp_path / "site.safetensors", "sardinet-late")
    feedback, infos = _feedback()
    twin = write_twin(weights, feedback)
    assert twin == tmp_path / "site.onnx" and not feedback.warnings
    assert read_onnx_metadata(twin).source_sha256 == sha256_of(weights)
    assert any("ONNX twin site.onnx written" in m for m in infos)
    runtime, path = choose_runtime(weights, "auto", "cpu")
    assert path == twin and runtime == preferred_engine().runtime


def test_an_earlier_twin_of_the_same_weights_is_replaced(tmp_path):
    """Adapting again to the same --out replaces the weights; their old twin is stale."""
    weights = save_tiny(tmp_path / "site.safetensors", "sardinet-late")
    write_twin(weights, Feedback())
    weights = save_tiny(weights, "sardinet")  # new weights, same name
    feedback, _ = _feedback()
    twin = write_twin(weights, feedback)
    assert twin is not None and not feedback.warnings
    assert read_onnx_metadata(twin).source_sha256 == sha256_of(weights)
    assert read_onnx_metadata(twin).spec.name == "sardinet"


@pytest.mark.parametrize("content", [b"my own notes, not a model", None])
def test_a_file_sardine_did_not_export_is_left_alone(tmp_path, content):
    weights = save_tiny(tmp_path / "site.safetensors", "sardinet")
    target = tmp_path / "site.onnx"
    if content is None:  # a Sardine export, but of other weights
        other = save_tiny(tmp_path / "other.safetensors", "sardinet", seed=1)
        write_twin(other, Feedback())
        (tmp_path / "other.onnx").rename(target)
    else:
        target.write_bytes(content)
    before = target.read_bytes()
    feedback, _ = _feedback()
    assert write_twin(weights, feedback) is None
    assert target.read_bytes() == before
    assert "is left as it is" in feedback.warnings[0] and "sardine export" in \
        feedback.warnings[0]
    assert choose_runtime(weights, "auto", "cpu") == ("torch", weights)  # not the foreign file


def test_missing_packages_are_said_and_nothing_is_written(tmp_path, monkeypatch):
    weights = save_tiny(tmp_path / "site.safetensors", "sardinet")
    monkeypatch.setattr(onnx_twin, "missing_packages", lambda: ["onnx"])
    feedback, infos = _feedback()
    assert write_twin(weights, feedback) is None
    assert not (tmp_path / "site.onnx").exists()
    assert "onnx not installed" in infos[0] and f"sardine export --weights {weights}" in infos[0]


@pytest.mark.parametrize("command", ["adapt", "train"])
def test_the_command_line_switches_the_twin_off(tmp_path, command):
    from sardine.training.train import args as train_args

    parser = argparse.ArgumentParser()
    if command == "adapt":
        add_arguments(parser)
        parse = config_from_args
        base = ["--sar", "s.tif", "--optical", "o.tif", "--out", str(tmp_path / "w.safetensors")]
    else:
        train_args.add_arguments(parser)
        parse = train_args.config_from_args
        base = ["--data", str(tmp_path / "data"), "--out", str(tmp_path / "run")]
    assert parse(parser.parse_args(base)).onnx_twin is True
    assert parse(parser.parse_args([*base, "--no-onnx-twin"])).onnx_twin is False


def test_a_failing_export_leaves_the_weights_and_says_so(tmp_path, monkeypatch):
    """The twin is an extra: whatever breaks in the exporter, the run's weights stand."""
    from sardine.training import export_onnx

    weights = save_tiny(tmp_path / "site.safetensors", "sardinet")

    def broken(*_args, **_kwargs):
        raise RuntimeError("tracer exploded")

    monkeypatch.setattr(export_onnx, "export_onnx", broken)
    feedback, _ = _feedback()
    assert write_twin(weights, feedback) is None
    assert weights.is_file() and not (tmp_path / "site.onnx").exists()
    assert "RuntimeError: tracer exploded" in feedback.warnings[0]
    assert "sardine export --weights" in feedback.warnings[0]
