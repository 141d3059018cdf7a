"""``sardine:adapt`` in a real QGIS: parameters, a run whose weights translate, a refusal."""
from __future__ import annotations

from pathlib import Path

import pytest
from adapt_pairs import make_pair
from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingParameterDefinition
from sardine.core.weights import load_weights, read_metadata
from sardine.training.adapt.config import default
from support import run_alg


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> dict[str, Path]:
    return make_pair(tmp_path_factory.mktemp("pair"), size=128)


def test_adapt_algorithm_declares_its_parameters(provider):  # noqa: F811
    alg = QgsApplication.processingRegistry().algorithmById("sardine:adapt")
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"SAR", "OPTICAL", "RED_BAND", "GREEN_BAND", "BLUE_BAND", "DEM", "CLOUD_MASK",
            "MASK_KIND", "BASE", "BASE_WEIGHTS", "MINUTES", "OUTPUT", "REPORT"} <= names
    for name in ("HOLDOUT", "DETAIL", "INCIDENCE", "HEADING", "LOOK", "ONNX_TWIN"):  # CLI's
        assert alg.parameterDefinition(name).flags() & \
            QgsProcessingParameterDefinition.FlagAdvanced, name
    assert alg.parameterDefinition("DETAIL").defaultValue() == default("detail")
    assert alg.parameterDefinition("ONNX_TWIN").defaultValue() is default("onnx_twin") is True
    assert alg.parameterDefinition("INCIDENCE").defaultValue() is None  # from the SAR file
    outputs = {o.name() for o in alg.outputDefinitions()}
    assert {"OUTPUT", "ONNX", "MSE_ADAPTED", "MSE_BASE", "MSE_FLAT", "BEATS_FLAT",
            "VERDICT"} <= outputs


def test_adapt_runs_in_qgis_and_its_weights_translate(provider, qgis_processing_module,  # noqa: F811
                                                      pair, tmp_path):
    out = tmp_path / "adapted.safetensors"
    result = run_alg(qgis_processing_module, "sardine:adapt", {
        "SAR": str(pair["sar"]), "OPTICAL": str(pair["optical"]), "DEM": str(pair["dem"]),
        "CLOUD_MASK": str(pair["clouds"]), "MINUTES": 0.1, "OUTPUT": str(out)})
    assert Path(result["OUTPUT"]) == out and out.exists()
    twin = out.with_suffix(".onnx")  # written by default: translation then runs it on ONNX
    assert Path(result["ONNX"]) == twin and twin.exists()
    assert result["MSE_FLAT"] > 0 and result["MSE_ADAPTED"] > 0
    assert isinstance(result["BEATS_FLAT"], bool)
    assert "held-out MSE" in result["VERDICT"]
    # The SAR file states no geometry and none was given: the run still works, the regions'
    # geometry assumed and said so with translation's own message.
    geometry = read_metadata(out).extra["adapt"]["geometry"]
    assert geometry["source"].startswith("assumed")
    assert "does not state" in geometry["source"] and "incidenceAngleMidSwath" in \
        geometry["source"]
    assert_translates(qgis_processing_module, pair, out, tmp_path)


def test_adapt_takes_the_detail_head_and_geometry(provider, qgis_processing_module,  # noqa: F811
                                                  pair, tmp_path):
    """The CLI's --detail, --incidence, --heading and --look, as parameters; the weights
    (with their detail head) translate."""
    out = tmp_path / "detail.safetensors"
    result = run_alg(qgis_processing_module, "sardine:adapt", {
        "SAR": str(pair["sar"]), "OPTICAL": str(pair["optical"]), "DEM": str(pair["dem"]),
        "MINUTES": 0.05, "DETAIL": 4, "INCIDENCE": 35.0, "HEADING": 350.0, "LOOK": "left",
        "ONNX_TWIN": False, "OUTPUT": str(out)})
    assert result["ONNX"] is None and not out.with_suffix(".onnx").exists()
    model, meta = load_weights(out)
    assert model.config.detail_width == 4
    geometry = meta.extra["adapt"]["geometry"]
    assert (geometry["incidence_deg"], geometry["heading_deg"], geometry["look"],
            geometry["source"]) == (35.0, 350.0, "left", "given")
    assert_translates(qgis_processing_module, pair, out, tmp_path)


def test_adapt_refuses_a_base_that_does_not_fit(provider, qgis_processing_module,  # noqa: F811
                                                pair, tmp_path):
    out = tmp_path / "bad.safetensors"
    with pytest.raises(QgsProcessingException, match="fuses a DEM"):
        run_alg(qgis_processing_module, "sardine:adapt", {
            "SAR": str(pair["sar"]), "OPTICAL": str(pair["optical"]),
            "BASE": "sardinet-late", "MINUTES": 0.1, "OUTPUT": str(out)})
    assert not out.exists()


def assert_translates(processing, pair: dict[str, Path], weights: Path, tmp_path: Path) -> None:
    """The adapted weights run in ``sardine:translate`` and write its output."""
    translated = run_alg(processing, "sardine:translate", {
        "SAR": str(pair["sar"]), "DEM": str(pair["dem"]), "WEIGHTS": str(weights),
        "OUTPUT": str(tmp_path / "translated.tif")})
    assert Path(translated["OUTPUT"]).exists()
