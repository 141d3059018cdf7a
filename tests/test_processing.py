"""``sardine:translate`` and ``sardine:distortion_mask`` through QGIS Processing, in a real
QGIS: ``processing.run``, a model (the graphical modeler's engine), refusals before any work.

The fixtures (a small two-CRS scene, small random weights, QGIS's ``processing`` module,
the provider) are in conftest.py, the helpers in support.py.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rasterio
from qgis.core import (
    QgsApplication,
    QgsProcessingException,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingParameterDefinition,
    QgsProject,
    QgsRaster,
    QgsRasterLayer,
)
from support import HEIGHT, WIDTH, run_alg


def test_algorithms_declare_their_parameters(provider):
    alg = QgsApplication.processingRegistry().algorithmById("sardine:translate")
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"SAR", "VV_BAND", "VH_BAND", "DEM", "MODEL", "WEIGHTS", "DEVICE", "ENHANCE",
            "TILE", "OVERLAP", "BATCH", "INCIDENCE", "HEADING", "LOOK", "OUTPUT",
            "DISTORTION_OUTPUT"} <= names
    for name in ("TILE", "OVERLAP", "BATCH", "LOOK"):
        assert alg.parameterDefinition(name).flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert alg.parameterDefinition("DEM").flags() & QgsProcessingParameterDefinition.FlagOptional
    assert not alg.parameterDefinition("DISTORTION_OUTPUT").createByDefault()
    for name in ("MODEL", "DEVICE", "ENHANCE"):
        assert alg.parameterDefinition(name).usesStaticStrings()
    assert alg.parameterDefinition("DEVICE").options() == ["auto", "cpu", "cuda"]
    assert {o.name() for o in alg.outputDefinitions()} == {"OUTPUT", "DISTORTION_OUTPUT",
                                                           "TRUST_OUTPUT", "RAN_ON", "SECONDS"}
    assert not alg.parameterDefinition("TRUST_OUTPUT").createByDefault()
    assert alg.flags() & alg.FlagSupportsBatch
    mask = QgsApplication.processingRegistry().algorithmById("sardine:distortion_mask")
    assert {"DEM", "TARGET", "INCIDENCE", "HEADING", "LOOK", "OUTPUT"} == {
        p.name() for p in mask.parameterDefinitions()}


def test_bundled_models_are_listed_described_and_run_by_name(
        provider, qgis_processing_module, scene, fusion_weights, monkeypatch, tmp_path):
    """Weights in ``resources/weights`` appear as MODEL choices, described in the help."""
    import sardine.core.bundled

    folder = tmp_path / "bundled"
    folder.mkdir()
    shutil.copy(fusion_weights, folder / "tiny-late.safetensors")
    monkeypatch.setattr(sardine.core.bundled, "BUNDLED_DIR", folder)
    try:
        provider.refreshAlgorithms()
        alg = QgsApplication.processingRegistry().algorithmById("sardine:translate")
        model = alg.parameterDefinition("MODEL")
        assert model.options() == ["automatic (fits the inputs)", "tiny-late"]
        assert model.defaultValue() == "automatic (fits the inputs)"
        assert "tiny-late</i>: sardinet-late: VV,VH+DEM" in alg.shortHelpString()
        out = tmp_path / "by_name.tif"
        run_alg(qgis_processing_module, "sardine:translate", {
            "SAR": str(scene.sar), "DEM": str(scene.dem), "MODEL": "tiny-late",
            "TILE": 64, "OVERLAP": 8, "OUTPUT": str(out)})
        assert QgsRasterLayer(str(out), "optical").isValid()
        automatic = tmp_path / "automatic.tif"  # MODEL left out: the one that fits, by name
        run_alg(qgis_processing_module, "sardine:translate", {
            "SAR": str(scene.sar), "DEM": str(scene.dem), "TILE": 64, "OVERLAP": 8,
            "OUTPUT": str(automatic)})
        with rasterio.open(automatic) as auto, rasterio.open(out) as by_name:
            assert auto.tags()["SARDINE_WEIGHTS_SHA256"] == \
                by_name.tags()["SARDINE_WEIGHTS_SHA256"] != "unknown"
    finally:
        monkeypatch.undo()
        provider.refreshAlgorithms()


def test_distortion_mask_is_categorized(provider, qgis_processing_module, scene, tmp_path):
    out = tmp_path / "mask.tif"
    results = run_alg(qgis_processing_module, "sardine:distortion_mask", {
        "DEM": str(scene.dem), "TARGET": str(scene.sar), "INCIDENCE": 35, "HEADING": 190,
        "OUTPUT": str(out)})
    assert Path(results["OUTPUT"]) == out and out.is_file()
    layer = QgsRasterLayer(str(out), "mask")
    assert layer.isValid()
    sar = QgsRasterLayer(str(scene.sar), "sar")
    assert layer.crs() == sar.crs() and layer.extent() == sar.extent()
    renderer = layer.renderer()  # the style saved beside the output is the default style
    assert renderer.type() == "paletted"
    labels = {c.value: c.label for c in renderer.classes()}
    assert labels == {0: "none (reliable)", 1: "foreshortening", 2: "layover", 3: "shadow"}


def test_distortion_mask_in_a_model(provider, qgis_processing_module, scene, tmp_path):
    """The graphical modeler runs algorithms as children of a model: do the same."""
    model = QgsProcessingModelAlgorithm("mask model", "tests")
    child = QgsProcessingModelChildAlgorithm("sardine:distortion_mask")
    child.setChildId("mask")
    for name, value in (("DEM", str(scene.dem)), ("INCIDENCE", 39.0), ("HEADING", 190.0)):
        child.addParameterSources(name, [
            QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    output = QgsProcessingModelOutput("mask_out")
    output.setChildOutputName("OUTPUT")
    output.setChildId("mask")
    child.setModelOutputs({"mask_out": output})
    model.addChildAlgorithm(child)
    out = tmp_path / "model_mask.tif"
    results = run_alg(qgis_processing_module, model, {"mask:mask_out": str(out)})
    assert out.is_file()
    assert Path(results["mask:mask_out"]) == out


def test_non_file_layer_is_refused(provider, qgis_processing_module, scene, tmp_path):
    xyz = QgsRasterLayer("type=xyz&url=https://tile.openstreetmap.org/{z}/{x}/{y}.png"
                         "&zmax=19&zmin=0", "OpenStreetMap", "wms")
    assert xyz.isValid()
    QgsProject.instance().addMapLayer(xyz)
    out = tmp_path / "never.tif"
    try:
        with pytest.raises(QgsProcessingException, match="not a file GDAL can read"):
            run_alg(qgis_processing_module, "sardine:distortion_mask",
                    {"DEM": xyz.id(), "OUTPUT": str(out)})
    finally:
        QgsProject.instance().removeMapLayer(xyz.id())
    assert not out.exists()


def test_translate_with_processing_run(provider, qgis_processing_module, scene, fusion_weights,
                                       tmp_path):
    out, mask = tmp_path / "optical.tif", tmp_path / "optical_mask.tif"
    results = run_alg(qgis_processing_module, "sardine:translate", {
        "SAR": str(scene.sar), "VV_BAND": 2, "VH_BAND": 1, "DEM": str(scene.dem),
        "WEIGHTS": str(fusion_weights), "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8,
        "BATCH": 2, "INCIDENCE": 39, "HEADING": 190, "OUTPUT": str(out),
        "DISTORTION_OUTPUT": str(mask)})
    assert Path(results["OUTPUT"]) == out and Path(results["DISTORTION_OUTPUT"]) == mask
    assert results["RAN_ON"] == "CPU (PyTorch)" and results["SECONDS"] > 0  # a .safetensors
    layer, sar = QgsRasterLayer(str(out), "optical"), QgsRasterLayer(str(scene.sar), "sar")
    assert layer.isValid()
    rgb = [layer.dataProvider().colorInterpretation(b) for b in (1, 2, 3)]
    assert rgb == [QgsRaster.RedBand, QgsRaster.GreenBand, QgsRaster.BlueBand]
    assert layer.crs() == sar.crs()
    assert layer.extent() == sar.extent()
    assert (layer.width(), layer.height()) == (WIDTH, HEIGHT)
    renderer = layer.renderer()  # the style saved beside the output
    assert renderer.type() == "multibandcolor"
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (1, 2, 3)
    low = renderer.redContrastEnhancement().minimumValue()
    high = renderer.redContrastEnhancement().maximumValue()
    assert 0 <= low < high <= 255
    mask_layer = QgsRasterLayer(str(mask), "mask")
    assert mask_layer.extent() == sar.extent() and mask_layer.renderer().type() == "paletted"


def test_fusion_model_without_dem_is_refused_before_running(provider, qgis_processing_module,
                                                             scene, fusion_weights, tmp_path):
    out = tmp_path / "never.tif"
    with pytest.raises(QgsProcessingException, match="DEM"):
        run_alg(qgis_processing_module, "sardine:translate", {
            "SAR": str(scene.sar), "WEIGHTS": str(fusion_weights), "OUTPUT": str(out)})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("source", "provider", "says"), [
    ("type=xyz&url=https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", "wms", "WMS/WMTS/XYZ"),
    ("GPKG:{folder}/rasters.gpkg:dem", "gdal", "inside a container file"),
    ("/vsizip/{folder}/s1.zip/s1.tif", "gdal", "inside an archive"),
    ("{folder}/missing.tif", "gdal", "not a file on disk"),
])
def test_layer_file_refusals_say_what_to_do(scene, source, provider, says):
    from sardine.core.errors import InputError
    from sardine.processing.common import layer_file

    layer = QgsRasterLayer(source.format(folder=scene.folder), "picked", provider)
    with pytest.raises(InputError, match=says) as refused:
        layer_file(layer, "SAR")
    assert "'picked'" in str(refused.value)
    assert layer_file(QgsRasterLayer(str(scene.sar), "s1"), "SAR") == scene.sar
