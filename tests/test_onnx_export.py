"""``sardine export``: the ONNX twin of every registered model family equals PyTorch, carries
Sardine's metadata, and translates like the .safetensors it came from."""
from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
import torch
from sardine.core.models import build_model
from sardine.core.normalization import Normalization
from sardine.core.onnx_engines import ONNX_ENGINES
from sardine.core.onnx_model import read_onnx_metadata
from sardine.core.translate import TranslateParams, read_model_info, translate
from sardine.core.weights import WeightsMetadata, save_weights
from sardine.training.export_onnx import export_onnx
from support import make_scene, save_tiny

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY_SARDINET = {"conditioning_widths": [8, 16], "balanced_kernels": [[2, 4], [2, 8]],
                 "encoder_widths": [16, 32], "decoder_widths": [16, 8]}
CASES = [("sardinet", TINY_SARDINET), ("sardinet-early", TINY_SARDINET),
         ("sardinet-late", TINY_SARDINET), ("sardinet-intermediate", TINY_SARDINET),
         ("pix2pix", {"ngf": 4, "generator": "compact"}), ("pix2pix", {"ngf": 2}),
         ("cyclegan", {"ngf": 4})]


def _save(path, name, config, metrics=None):
    torch.manual_seed(0)
    model = build_model(name, config).eval()
    bands = model.spec.sar_channels
    meta = WeightsMetadata(normalization=Normalization.for_bands(("VV", "VH")[:bands]),
                           pixel_size_m=20.0, training_data="random initialisation (tests)",
                           metrics=metrics or {})
    return save_weights(path, model, meta), model


def test_every_registered_family_round_trips(tmp_path):
    from sardine.core.models import list_models

    assert {name for name, _ in CASES} == set(list_models())
    for i, (name, config) in enumerate(CASES):
        weights, model = _save(tmp_path / f"{name}-{i}.safetensors", name, config)
        report = export_onnx(weights)
        assert report.path == weights.with_suffix(".onnx") and report.max_abs_diff <= 1e-4
        meta = read_onnx_metadata(report.path)
        gen = torch.Generator().manual_seed(3)
        sar = torch.rand(1, model.spec.sar_channels, 45, 70, generator=gen)  # odd: padded
        dem = torch.rand(1, 1, 45, 70, generator=gen)
        with torch.inference_mode():
            expected = model.predict(sar, dem).numpy()
        for engine in ONNX_ENGINES.values():  # every engine that runs the exported file
            if not engine.available():
                continue
            got = engine.make(report.path, meta.spec, 1, None)(sar.numpy(), dem.numpy())
            assert got.shape == expected.shape, (name, engine.runtime)
            assert np.abs(got - expected).max() < 1e-3, (name, engine.runtime)


def test_metadata_survives_export(tmp_path):
    import onnx

    weights, _ = _save(tmp_path / "w.safetensors", "sardinet-late", TINY_SARDINET,
                       metrics={"ssim": 0.42})
    out = export_onnx(weights, tmp_path / "other.onnx").path
    meta = read_onnx_metadata(out)
    assert meta.weights.model == "sardinet-late"
    assert meta.weights.config["conditioning_widths"] == [8, 16]
    assert meta.weights.normalization == Normalization.for_bands(("VV", "VH"))
    assert meta.weights.pixel_size_m == 20.0 and meta.weights.metrics == {"ssim": 0.42}
    assert meta.weights.training_data == "random initialisation (tests)"
    assert meta.spec.uses_dem and meta.spec.sar_channels == 2 and meta.spec.size_multiple == 8
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert props["sardine.model"] == "sardinet-late" and props["sardine.sar_bands"] == "VV,VH"
    assert json.loads(props["sardine.metrics"]) == {"ssim": 0.42}
    assert props["sardine.pixel_size_m"] == "20"
    assert {i.name for i in onnx.load(str(out)).graph.input} == {"sar", "dem"}
    info = read_model_info(str(out), runtime="onnxruntime")
    assert info.runtime == "onnxruntime" and info.name == "sardinet-late" and info.uses_dem


def test_export_refuses_a_wrong_suffix_and_leaves_nothing(tmp_path):
    from sardine.core.errors import InputError

    weights, _ = _save(tmp_path / "w.safetensors", "sardinet", TINY_SARDINET)
    with pytest.raises(InputError, match=r"\.onnx"):
        export_onnx(weights, tmp_path / "w.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.safetensors"]


def test_cli_export_then_translate_with_every_runtime(tmp_path, cli):
    folder = tmp_path / "scene"
    folder.mkdir()
    sar, dem = make_scene(folder, 160)
    weights = save_tiny(tmp_path / "tiny.safetensors")
    proc = cli("export", "--weights", str(weights), check=True)
    assert "equals PyTorch's within" in proc.stdout
    outs = {}
    runtimes = ["torch", *(e.runtime for e in ONNX_ENGINES.values() if e.available())]
    for runtime in runtimes:
        params = TranslateParams(sar_path=sar, dem_path=dem, model=str(weights), tile=128,
                                 overlap=32, out_path=tmp_path / f"{runtime}.tif",
                                 device="cpu", runtime=runtime)
        result = translate(params)
        label = "PyTorch" if runtime == "torch" else ONNX_ENGINES[runtime].label
        assert result.where == f"CPU ({label})"  # what ran, said in the CLI's last line
        with rasterio.open(params.out_path) as src:
            outs[runtime] = src.read().astype(int)
            tags = json.loads(src.tags()["SARDINE_PARAMETERS"])
        assert tags["runtime"] == runtime
    for runtime in runtimes[1:]:
        assert np.abs(outs["torch"] - outs[runtime]).max() <= 1, runtime  # 8-bit rounding
    # auto picks the exported twin; a stale twin (source changed) is not used
    auto = read_model_info(str(weights))
    assert auto.runtime == runtimes[1] and auto.weights_path.suffix == ".onnx"
    proc = cli("translate", "--sar", str(sar), "--dem", str(dem), "--model", str(weights),
               "--out", str(tmp_path / "cli.tif"), "--tile", "128", "--overlap", "32",
               check=True)
    assert f"s on CPU ({ONNX_ENGINES[auto.runtime].label})" in proc.stdout
    save_tiny(weights, "sardinet-late", pixel_size_m=20.0)  # retrained: the twin is stale
    assert read_model_info(str(weights)).runtime == "torch"
