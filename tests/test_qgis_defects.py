"""Issue 17's defects, each reproduced as an analyst meets it in a real QGIS (pytest-qgis),
and what an analyst expects of the dock and the toolbox: the same file from the CLI and
Processing, outputs named after the model, the mask not hiding the optical layer, the DEM
picker and model list starting on what fits, the band choice saying when it fell back."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsRasterLayer,
)
from sardine.ui.dock_form import DockForm
from support import critical_messages, pick_in_dock, run_alg, wait_until


class ErrorsFeedback(QgsProcessingFeedback):
    """Keeps what Processing reports as errors (its post-processing included)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
        self.errors.append(error)
        super().reportError(error, fatalError)


def _tasks_settle(active: int) -> None:
    wait_until(lambda: QgsApplication.taskManager().count() <= active)


# --- defect 1: the toolbox's "Open output file after running algorithm" -------------------
def test_toolbox_run_in_a_task_loads_the_output(provider, scene, fusion_weights, tmp_path):
    """The toolbox dialog runs the algorithm in a QgsProcessingAlgRunnerTask; QGIS keeps the
    layers to load from the worker thread's context, where the outputs must be asked for."""
    project = QgsProject.instance()
    out = tmp_path / "opened.tif"
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("sardine:translate")
    parameters = {"SAR": str(scene.sar), "DEM": str(scene.dem),
                  "WEIGHTS": str(fusion_weights), "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8,
                  "OUTPUT": QgsProcessingOutputLayerDefinition(str(out), project)}
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = ErrorsFeedback()
    assert algorithm.checkParameterValues(parameters, context) == (True, "")
    task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
    done: list[bool] = []
    task.executed.connect(lambda ok, _results: done.append(ok))
    QgsApplication.taskManager().addTask(task)
    wait_until(lambda: bool(done))
    assert done == [True] and feedback.errors == []
    assert context.willLoadLayerOnCompletion(str(out))
    assert list(context.layersToLoadOnCompletion()) == [str(out)]
    assert context.layerToLoadOnCompletionDetails(str(out)).name == "s1 optical (tiny-late)"


def test_run_and_load_results_loads_one_styled_layer(provider, qgis_processing_module,
                                                     scene, fusion_weights, qgis_new_project):
    """No phantom second temporary OUTPUT ("not correctly generated")."""
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = ErrorsFeedback()
    results = qgis_processing_module.runAndLoadResults("sardine:translate", {
        "SAR": str(scene.sar), "DEM": str(scene.dem), "WEIGHTS": str(fusion_weights),
        "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8, "OUTPUT": "TEMPORARY_OUTPUT"},
        feedback=feedback, context=context)
    assert feedback.errors == []
    assert Path(results["OUTPUT"]).is_file()
    (layer,) = QgsProject.instance().mapLayersByName("s1 optical (tiny-late)")
    assert layer.renderer().type() == "multibandcolor"


# --- defect 2: "Weights file…" with no file -------------------------------------------------
def test_weights_item_without_a_file_is_refused(dock, layers, qgis_iface, tmp_path):
    sar, dem = layers
    pick_in_dock(dock, sar, dem, Path(""), tmp_path / "optical.tif")
    dock.form.weights_widget.setFilePath("")
    active = QgsApplication.taskManager().count()
    assert dock.run() is False
    assert QgsApplication.taskManager().count() == active and not dock.is_running()
    assert any("no file is given" in m for m in critical_messages(qgis_iface))
    assert list(tmp_path.iterdir()) == []


# --- defect 5: progress and messages after a refusal ----------------------------------------
def test_refusal_resets_the_progress_and_long_errors_keep_their_details(
        dock, layers, fusion_weights, qgis_iface, monkeypatch, tmp_path):
    sar, _dem = layers
    pick_in_dock(dock, sar, None, fusion_weights, tmp_path / "optical.tif")
    dock.progress.setValue(100)  # what a previous successful run left
    pushed: list[tuple] = []
    monkeypatch.setattr(qgis_iface.messageBar(), "pushMessage", lambda *a: pushed.append(a))
    assert dock.run() is False
    assert dock.progress.value() == 0
    title, short, details, level, _duration = pushed[-1]
    assert level == Qgis.Critical and short.endswith("…") and len(short) < len(details)
    assert "SAR-only model" in details  # the whole message, behind "Show more"


# --- defect 6: fusion model without DEM and a ticked mask ---------------------------------
def test_fusion_model_and_mask_without_dem_say_both(dock, layers, fusion_weights,
                                                     qgis_iface, tmp_path):
    sar, _dem = layers
    pick_in_dock(dock, sar, None, fusion_weights, tmp_path / "optical.tif")
    dock.form.distortion_box.setChecked(True)
    dock.form.incidence_spin.setValue(39.0)
    dock.form.heading_spin.setValue(190.0)
    assert dock.run() is False
    text = dock.status.text()
    assert "fuses a DEM" in text and "distortion mask is computed from the DEM" in text


# --- defect 7: an output folder that cannot hold files ------------------------------------
def test_output_under_proc_is_refused_before_the_task(dock, layers, fusion_weights,
                                                       qgis_iface):
    sar, dem = layers
    pick_in_dock(dock, sar, dem, fusion_weights, Path("/proc/sardine_optical.tif"))
    active = QgsApplication.taskManager().count()
    assert dock.run() is False
    assert QgsApplication.taskManager().count() == active
    assert "Cannot write to the output folder /proc" in dock.status.text()


# --- what an analyst expects ----------------------------------------------------------------
def test_dem_picker_and_model_order_follow_the_inputs(dock, scene, qgis_new_project,
                                                      fusion_weights, tmp_path):
    from sardine.processing.common import ModelChoice

    sar = QgsRasterLayer(str(scene.sar), "S1 VV VH")
    dem = QgsRasterLayer(str(scene.dem), "Copernicus DEM GLO-30")
    QgsProject.instance().addMapLayers([sar, dem])
    form = dock.form
    form.dem_combo.setLayer(None)
    form.sar_combo.setLayer(sar)
    assert form.dem_combo.currentLayer() is dem  # single band of heights, named like a DEM
    form.set_models([ModelChoice("sardinet", "SAR only", False),
                     ModelChoice("sardinet-late", "fusion", True)])
    assert form.model_combo.itemText(0) == "sardinet-late"
    form.model_combo.setCurrentIndex(0)
    form.dem_combo.setLayer(None)
    assert form.model_combo.itemText(0) == "sardinet"
    assert form.model_combo.currentText() == "sardinet-late"  # the choice is kept


def test_band_note_says_when_bands_are_a_fallback(dock, qgis_new_project, tmp_path):
    from affine import Affine

    path = tmp_path / "unnamed.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=2, dtype="float32",
                       crs="EPSG:32632", transform=Affine(10, 0, 0, 0, -10, 80)) as ds:
        ds.write(np.zeros((2, 8, 8), np.float32))
    layer = QgsRasterLayer(str(path), "unnamed")
    QgsProject.instance().addMapLayer(layer)
    dock.form.sar_combo.setLayer(layer)
    assert "fallback" in dock.form.band_note.text() and dock.form.band_note.isVisibleTo(dock)


def test_mask_sits_above_and_half_transparent(dock, layers, fusion_weights, tmp_path):
    sar, dem = layers
    pick_in_dock(dock, sar, dem, fusion_weights, tmp_path / "optical.tif")
    dock.form.distortion_box.setChecked(True)
    dock.form.incidence_spin.setValue(39.0)
    dock.form.heading_spin.setValue(190.0)
    assert dock.run() is True
    wait_until(lambda: not dock.is_running())
    group = QgsProject.instance().layerTreeRoot().findGroup("Sentinel-1 VH VV optical (tiny-late)")
    mask, optical = (node.layer() for node in group.findLayers())
    assert mask.name().endswith("distortion mask") and optical.name().endswith("(tiny-late)")
    assert 0.0 < mask.renderer().opacity() < 1.0


def test_processing_reads_geometry_from_the_sar_metadata(provider, qgis_processing_module,
                                                          scene, fusion_weights, tmp_path):
    import shutil

    tagged = tmp_path / "tagged.tif"
    shutil.copy(scene.sar, tagged)
    with rasterio.open(tagged, "r+") as ds:
        ds.update_tags(incidenceAngleMidSwath="38.5", platformHeading="-167.2")
    layer = QgsRasterLayer(str(tagged), "tagged")
    dock_form = DockForm()  # what the dock shows before Run
    dock_form._show_stated_geometry(layer)
    assert dock_form.geometry_note.text() == ("The SAR file states incidence 38.5° and "
                                              "heading 192.8°.")
    feedback = QgsProcessingFeedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    mask = tmp_path / "mask.tif"
    qgis_processing_module.run("sardine:translate", {
        "SAR": str(tagged), "DEM": str(scene.dem), "WEIGHTS": str(fusion_weights),
        "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8, "OUTPUT": str(tmp_path / "o.tif"),
        "DISTORTION_OUTPUT": str(mask)}, context=context, feedback=feedback)
    with rasterio.open(tmp_path / "o.tif") as ds:
        ran = json.loads(ds.tags()["SARDINE_PARAMETERS"])
    assert ran["incidence"] == 38.5 and abs(ran["heading"] - 192.8) < 1e-9
    assert mask.is_file()


# --- the CLI and Processing write the same file --------------------------------------------
def test_cli_and_processing_write_the_same_image(provider, qgis_processing_module, scene,
                                                 fusion_weights, cli, tmp_path):
    """Same inputs, the options left at their defaults except the device (and a small tile
    to keep the test fast): identical pixels and mask, band for band."""
    from_cli, from_qgis = tmp_path / "cli.tif", tmp_path / "qgis.tif"
    proc = cli("translate", "--sar", str(scene.sar), "--dem", str(scene.dem), "--model",
               str(fusion_weights), "--out", str(from_cli), "--device", "cpu", check=True)
    assert "VV band 2, VH band 1 (read from the band names)" in proc.stdout
    run_alg(qgis_processing_module, "sardine:translate", {
        "SAR": str(scene.sar), "DEM": str(scene.dem), "WEIGHTS": str(fusion_weights),
        "DEVICE": "cpu", "OUTPUT": str(from_qgis)})
    with rasterio.open(from_cli) as a, rasterio.open(from_qgis) as b:
        assert a.read().tobytes() == b.read().tobytes()
        assert a.read_masks().tobytes() == b.read_masks().tobytes()
        assert (a.crs, a.transform, a.profile["dtype"]) == (b.crs, b.transform, b.profile["dtype"])
        ran = [json.loads(ds.tags()["SARDINE_PARAMETERS"]) for ds in (a, b)]
    assert [r.pop("out_path") for r in ran] == ["cli.tif", "qgis.tif"]
    assert ran[0] == ran[1]  # every option, defaults included, the same


def test_dock_and_processing_write_the_same_image(dock, layers, fusion_weights,
                                                  provider, qgis_processing_module, tmp_path):
    """The dock's parameters are the toolbox's: the same run gives the same pixels."""
    sar, dem = layers
    from_dock, from_run = tmp_path / "dock.tif", tmp_path / "run.tif"
    pick_in_dock(dock, sar, dem, fusion_weights, from_dock)
    assert dock.run() is True
    wait_until(lambda: not dock.is_running())
    run_alg(qgis_processing_module, "sardine:translate", {
        "SAR": sar.source(), "DEM": dem.source(), "WEIGHTS": str(fusion_weights),
        "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8, "OUTPUT": str(from_run)})
    with rasterio.open(from_dock) as a, rasterio.open(from_run) as b:
        assert a.read().tobytes() == b.read().tobytes()
        assert a.read_masks().tobytes() == b.read_masks().tobytes()


@pytest.fixture
def validations(monkeypatch):
    """Counts the core's validations, wherever they are called from."""
    import sardine.core.translate as package
    import sardine.core.translate.engine as engine
    from sardine.core.translate.preflight import validate

    calls: list[int] = []

    def counted(*args, **kwargs):
        calls.append(1)
        return validate(*args, **kwargs)

    monkeypatch.setattr(package, "validate", counted, raising=False)
    monkeypatch.setattr(engine, "validate", counted)
    return calls


def test_a_run_is_validated_once(dock, layers, fusion_weights, provider,
                                 qgis_processing_module, validations, tmp_path):
    sar, dem = layers
    pick_in_dock(dock, sar, dem, fusion_weights, tmp_path / "dock.tif")
    assert dock.run() is True
    wait_until(lambda: not dock.is_running())
    assert len(validations) == 1
    run_alg(qgis_processing_module, "sardine:translate", {
        "SAR": sar.source(), "DEM": dem.source(), "WEIGHTS": str(fusion_weights),
        "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert len(validations) == 2


def test_mask_without_geometry_says_where_to_find_it(provider, qgis_processing_module,
                                                      scene, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="platformHeading"):
        run_alg(qgis_processing_module, "sardine:distortion_mask",
                {"DEM": str(scene.dem), "OUTPUT": str(tmp_path / "mask.tif")})
    assert not (tmp_path / "mask.tif").exists()


def test_translate_in_a_model(provider, qgis_processing_module, scene, fusion_weights,
                              tmp_path):
    """The graphical modeler runs sardine:translate as a child: same file as a direct run."""
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
    )

    model = QgsProcessingModelAlgorithm("translate model", "tests")
    child = QgsProcessingModelChildAlgorithm("sardine:translate")
    child.setChildId("translate")
    for name, value in (("SAR", str(scene.sar)), ("DEM", str(scene.dem)),
                        ("WEIGHTS", str(fusion_weights)), ("DEVICE", "cpu"), ("TILE", 64),
                        ("OVERLAP", 8)):
        child.addParameterSources(name, [
            QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    output = QgsProcessingModelOutput("optical")
    output.setChildOutputName("OUTPUT")
    output.setChildId("translate")
    child.setModelOutputs({"optical": output})
    model.addChildAlgorithm(child)
    in_model, direct = tmp_path / "model.tif", tmp_path / "direct.tif"
    run_alg(qgis_processing_module, model, {"translate:optical": str(in_model)})
    run_alg(qgis_processing_module, "sardine:translate", {
        "SAR": str(scene.sar), "DEM": str(scene.dem), "WEIGHTS": str(fusion_weights),
        "DEVICE": "cpu", "TILE": 64, "OVERLAP": 8, "OUTPUT": str(direct)})
    with rasterio.open(in_model) as a, rasterio.open(direct) as b:
        assert a.read().tobytes() == b.read().tobytes()


def test_layer_names_carry_the_model_or_the_adapted_site():
    from sardine.processing.common import output_name

    assert output_name("S1 VV VH", "sardinet-late") == "S1 VV VH optical (sardinet-late)"
    assert output_name("S1", "/data/valley-2025.safetensors") == "S1 optical (valley-2025)"
    assert output_name("S1", "/data/valley-2025.onnx") == "S1 optical (valley-2025)"
