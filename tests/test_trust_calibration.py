"""The trust layer's calibration per weights file (core/trust_calibration.py): it round-trips
through the weights' metadata and their ONNX twin, malformed ones are refused, fitting
writes a new file and leaves the input untouched, and weights without one get the fallback,
said in the trust band's description."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import rasterio
from sardine.core.change import translate_with_trust
from sardine.core.errors import InputError, WeightsError
from sardine.core.normalization import Normalization
from sardine.core.translate import TranslateParams
from sardine.core.translate.model_info import read_model_info
from sardine.core.trust_calibration import (
    COLOUR_ONLY_FALLBACK,
    FALLBACK,
    TrustCalibration,
    calibration_in_use,
    quadratic_terms,
)
from sardine.core.weights import WeightsMetadata, load_weights, read_metadata, save_weights
from sardine.training.evaluation.trust_fit import check_fit_out, fit_calibration, write_calibrated
from support import checksum, make_scene, save_tiny, tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")
CAL = TrustCalibration(terms=("1", "chroma", "sar1*sar2"), coef=(3.0, 0.5, 0.01), good=8.0,
                       bad=40.0, fitted_on="tests")


def _calibrated(path, calibration=CAL):
    save_weights(path, tiny_model(), WeightsMetadata(
        normalization=Normalization(), training_data="tests", trust_calibration=calibration))
    return path


def test_calibration_round_trips_in_the_metadata(tmp_path):
    meta = read_metadata(_calibrated(tmp_path / "w.safetensors"))
    assert meta.trust_calibration == CAL
    assert read_metadata(save_tiny(tmp_path / "plain.safetensors")).trust_calibration is None
    assert TrustCalibration.from_dict(json.loads(json.dumps(FALLBACK.to_dict()))) == FALLBACK


@pytest.mark.parametrize("change", [
    {"terms": ("1", "chroma", "height")},  # unknown feature
    {"terms": ("1", "chroma", "*".join(["chroma"] * 50))},  # a crafted cost per window
    {"coef": (3.0, float("nan"), 0.01)},
    {"good": 50.0},  # good above bad
    {"terms": ("1", "chroma", "sar3")},  # a third SAR band of a two-band model
])
def test_malformed_calibrations_are_refused(tmp_path, change):
    path = _calibrated(tmp_path / "w.safetensors")
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8:8 + header_len])
    meta = json.loads(header["__metadata__"]["sardine"])
    bad = {**CAL.to_dict(), **{k: list(v) if isinstance(v, tuple) else v
                               for k, v in change.items()}}
    meta["trust_calibration"] = bad
    header["__metadata__"]["sardine"] = json.dumps(meta)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + path.read_bytes()[8 + header_len:])
    with pytest.raises(WeightsError, match="metadata"):
        read_metadata(path)


def test_calibration_survives_onnx_export(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import onnx
    from sardine.training.export_onnx import export_onnx

    out = export_onnx(_calibrated(tmp_path / "w.safetensors"), tmp_path / "w.onnx").path
    assert read_model_info(str(out), runtime="onnxruntime").trust_calibration == CAL
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert TrustCalibration.from_dict(json.loads(props["sardine.trust_calibration"])) == CAL


def test_fit_recovers_a_known_relation():
    rng = np.random.default_rng(0)
    n = 4000
    chroma, lightness = rng.uniform(0, 60, n), rng.uniform(10, 90, n)
    sar1, sar2 = rng.uniform(-25, 5, n), rng.uniform(-32, -5, n)
    error = 4.0 + 0.3 * chroma + 0.01 * chroma * sar1 + 0.002 * sar2 * sar2
    keep = np.ones(n, bool)
    keep[:100] = False  # layover/shadow/out of range: left out of the fit
    error[:100] = 500.0
    cal = fit_calibration([{"error": error, "keep": keep, "chroma": chroma,
                            "lightness": lightness, "sar1": sar1, "sar2": sar2}], "synthetic")
    assert cal.terms == quadratic_terms(("chroma", "lightness", "sar1", "sar2"))
    coef = dict(zip(cal.terms, cal.coef, strict=True))
    assert coef["1"] == pytest.approx(4.0, abs=1e-6) and coef["chroma"] == pytest.approx(0.3)
    assert coef["chroma*sar1"] == pytest.approx(0.01) and coef["lightness"] == pytest.approx(
        0.0, abs=1e-8)
    assert cal.good < cal.bad < 100.0


def test_fitting_writes_a_new_file_and_leaves_the_input_untouched(tmp_path):
    source = save_tiny(tmp_path / "w.safetensors")
    before = checksum(source)
    with pytest.raises(InputError, match="also an input"):
        check_fit_out(source, source)
    with pytest.raises(InputError, match=".safetensors"):
        check_fit_out(source, tmp_path / "w2.onnx")
    out = write_calibrated(source, check_fit_out(source, tmp_path / "w2.safetensors"), CAL)
    assert checksum(source) == before and read_metadata(source).trust_calibration is None
    model, meta = load_weights(out)
    original, _ = load_weights(source)
    assert meta.trust_calibration == CAL
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(
        model.state_dict().values(), original.state_dict().values(), strict=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.safetensors", "w2.safetensors"]


def test_weights_without_calibration_get_the_fallback_and_say_so(tmp_path):
    assert calibration_in_use(None, 2) == (FALLBACK, False)
    assert calibration_in_use(None, 1) == (COLOUR_ONLY_FALLBACK, False)  # no sar2
    assert calibration_in_use(CAL, 2) == (CAL, True)
    sar, dem = make_scene(tmp_path, size=48)
    bands = {}
    for name, weights in (("plain", save_tiny(tmp_path / "plain.safetensors")),
                          ("own", _calibrated(tmp_path / "own.safetensors"))):
        params = TranslateParams(sar_path=sar, dem_path=dem, out_path=tmp_path / f"{name}.tif",
                                 model=str(weights), threads=1, incidence=39.0, heading=190.0)
        translate_with_trust(params, tmp_path / f"{name}_trust.tif")
        with rasterio.open(tmp_path / f"{name}_trust.tif") as src:
            bands[name] = (src.read(4), src.descriptions[3])
    assert "FALLBACK" in bands["plain"][1] and "fitted for the earlier" in bands["plain"][1]
    assert "own calibration" in bands["own"][1] and "tests" in bands["own"][1]
    assert not np.array_equal(bands["plain"][0], bands["own"][0])


def test_adapt_and_train_keep_the_base_calibration_with_a_note(tmp_path):
    from sardine.training.train.weights import inherited_calibration

    noted = inherited_calibration(str(_calibrated(tmp_path / "base.safetensors")),
                                  "sardine adapt")
    assert noted is not None and dataclasses.replace(noted, fitted_on=CAL.fitted_on) == CAL
    assert noted.fitted_on.startswith("tests; inherited from base.safetensors by sardine adapt")
    assert inherited_calibration(str(save_tiny(tmp_path / "plain.safetensors")), "x") is None
    assert inherited_calibration(None, "sardine train") is None
