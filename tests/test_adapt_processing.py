"""``sardine:adapt`` in a real QGIS: parameters, a run whose weights translate, a refusal."""
from __future__ import annotations

from pathlib import Path

import pytest
from adapt_pairs import make_pair
from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingParameterDefinition
from support import run_alg


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> dict[str, Path]:
    return make_pair(tmp_path_factory.mktemp("pair"), size=128)


def test_adapt_algorithm_declares_its_parameters(provider):  # noqa: F811
    alg = QgsApplication.processingRegistry().algorithmById("sardine:adapt")
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"SAR", "OPTICAL", "RED_BAND", "GREEN_BAND", "BLUE_BAND", "DEM", "CLOUD_MASK",
            "MASK_KIND", "BASE", "BASE_WEIGHTS", "MINUTES", "OUTPUT", "REPORT"} <= names
    assert alg.parameterDefinition("HOLDOUT").flags() & \
        QgsProcessingParameterDefinition.FlagAdvanced
    outputs = {o.name() for o in alg.outputDefinitions()}
    assert {"OUTPUT", "MSE_ADAPTED", "MSE_BASE", "MSE_FLAT", "BEATS_FLAT", "VERDICT"} <= outputs


def test_adapt_runs_in_qgis_and_its_weights_translate(provider, qgis_processing_module,  # noqa: F811
                                                      pair, tmp_path):
    out = tmp_path / "adapted.safetensors"
    result = run_alg(qgis_processing_module, "sardine:adapt", {
        "SAR": str(pair["sar"]), "OPTICAL": str(pair["optical"]), "DEM": str(pair["dem"]),
        "CLOUD_MASK": str(pair["clouds"]), "MINUTES": 0.1, "OUTPUT": str(out)})
    assert Path(result["OUTPUT"]) == out and out.exists()
    assert result["MSE_FLAT"] > 0 and result["MSE_ADAPTED"] > 0
    assert isinstance(result["BEATS_FLAT"], bool)
    assert "held-out MSE" in result["VERDICT"]
    translated = run_alg(qgis_processing_module, "sardine:translate", {
        "SAR": str(pair["sar"]), "DEM": str(pair["dem"]), "WEIGHTS": str(out),
        "OUTPUT": str(tmp_path / "translated.tif")})
    assert Path(translated["OUTPUT"]).exists()


def test_adapt_refuses_a_base_that_does_not_fit(provider, qgis_processing_module,  # noqa: F811
                                                pair, tmp_path):
    out = tmp_path / "bad.safetensors"
    with pytest.raises(QgsProcessingException, match="fuses a DEM"):
        run_alg(qgis_processing_module, "sardine:adapt", {
            "SAR": str(pair["sar"]), "OPTICAL": str(pair["optical"]),
            "BASE": "sardinet-late", "MINUTES": 0.1, "OUTPUT": str(out)})
    assert not out.exists()
