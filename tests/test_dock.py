"""The dock end to end in a real QGIS: layers in the project, pick, Run, the background task,
the styled layers added (grouped with the mask); Cancel; refusals before anything runs;
band guessing, the device picker and settings that survive a restart."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import sardine
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QEvent
from qgis.PyQt.QtWidgets import QApplication
from sardine.core.bands import guess_polarisation_bands
from sardine.ui.choices import DockChoices
from sardine.ui.devices import device_choices
from support import critical_messages, pick_in_dock, run_and_cancel, wait_until


def test_band_guessing():
    assert guess_polarisation_bands(["Band 1: VH", "Band 2: VV"]).bands == (2, 1)
    assert guess_polarisation_bands(["Sigma0_VV_db", "Sigma0_VH_db"]).bands == (1, 2)
    assert guess_polarisation_bands(["Band 1", "Band 2", "Band 3: vv"]).bands == (3, 1)
    assert guess_polarisation_bands(["Band 1", "Band 2"]).bands == (1, 2)
    # one band: VH is band 2, which the checks then say is missing ("has 1 band(s)"), not
    # "band 1 chosen twice"
    assert guess_polarisation_bands(["Band 1"]).bands == (1, 2)
    assert guess_polarisation_bands(["VV", "VH"]).from_names
    fallback = guess_polarisation_bands(["Band 1", "Band 2", "Band 3: vv"])
    assert not fallback.from_names and "fallback" in fallback.describe()


def test_device_picker_names_the_gpu_or_says_none():
    labels = [d.label for d in device_choices(None)]
    assert labels == ["Automatic: CPU (no GPU)", "CPU", "GPU (none found)"]
    assert not device_choices(None)[2].available
    found = device_choices("NVIDIA H100")
    assert found[0].label == "Automatic: GPU NVIDIA H100" and found[2].available


def test_dock_guesses_bands_and_refuses_web_layers(dock, layers, qgis_iface, tmp_path):
    sar, _dem = layers
    dock.form.sar_combo.setLayer(sar)
    assert (dock.form.vv_combo.currentBand(), dock.form.vh_combo.currentBand()) == (2, 1)
    assert "read from the band names" in dock.form.band_note.text()
    xyz = QgsRasterLayer("type=xyz&url=https://tile.openstreetmap.org/{z}/{x}/{y}.png"
                         "&zmax=19&zmin=0", "OpenStreetMap", "wms")
    QgsProject.instance().addMapLayer(xyz)
    dock.form.sar_combo.setLayer(xyz)
    assert "not a file GDAL can read" in dock.status.text()
    dock.form.output_widget.setFilePath(str(tmp_path / "never.tif"))
    assert dock.run() is False
    assert any("OpenStreetMap" in m for m in critical_messages(qgis_iface))
    assert not dock.is_running() and list(tmp_path.iterdir()) == []


def test_choices_persist_between_sessions(dock, qgis_iface, clean_settings):
    form = dock.form
    form.device_combo.setCurrentIndex(form.device_combo.findData("cpu"))
    form.enhance_combo.setCurrentIndex(form.enhance_combo.findData("laplacian"))
    form.tile_spin.setValue(128)
    form.distortion_box.setChecked(True)
    form.heading_spin.setValue(350.0)
    form.look_combo.setCurrentText("left")
    form.compile_check.setChecked(True)
    form.incidence_spin.setValue(41.5)
    saved = form.choices("/data/out")
    assert saved.compile is True
    saved.save()
    assert DockChoices.load() == saved
    from sardine.ui.dock import SardineDock

    again = SardineDock(qgis_iface)  # a new session's dock reads them back
    again.refresh_environment()
    assert again.form.choices("/data/out") == saved
    again.deleteLater()


def test_dock_runs_translation_in_a_task(dock, layers, fusion_weights, qgis_iface,
                                         tmp_path):
    sar, dem = layers
    out = tmp_path / "optical.tif"
    pick_in_dock(dock, sar, dem, fusion_weights, out)
    dock.form.distortion_box.setChecked(True)
    dock.form.incidence_spin.setValue(39.0)
    dock.form.heading_spin.setValue(190.0)
    before = set(QgsProject.instance().mapLayers())
    assert dock.run() is True
    assert dock.is_running() and not dock.run_button.isEnabled()
    wait_until(lambda: not dock.is_running())
    assert critical_messages(qgis_iface) == []
    added = [QgsProject.instance().mapLayer(i)
             for i in set(QgsProject.instance().mapLayers()) - before]
    assert {Path(layer.source()) for layer in added} == {out, tmp_path / "optical_distortion.tif"}
    optical = next(layer for layer in added if Path(layer.source()) == out)
    assert optical.renderer().type() == "multibandcolor"
    assert optical.crs() == sar.crs() and optical.extent() == sar.extent()
    group = QgsProject.instance().layerTreeRoot().findGroup(
        "Sentinel-1 VH VV optical (tiny-late)")
    assert group is not None and len(group.findLayers()) == 2
    assert dock.progress.value() == 100
    assert re.match(r"Done in \d+\.\d s on CPU \(PyTorch\): added", dock.status.text())


def test_cancel_leaves_no_layer_and_no_file(dock, layers, fusion_weights, qgis_iface,
                                            tmp_path):
    sar, dem = layers
    pick_in_dock(dock, sar, dem, fusion_weights, tmp_path / "optical.tif")
    run_and_cancel(dock, tmp_path)
    assert critical_messages(qgis_iface) == []


def test_fusion_model_without_dem_is_refused_before_running(dock, layers, fusion_weights,
                                                             qgis_iface, tmp_path):
    sar, _dem = layers
    pick_in_dock(dock, sar, None, fusion_weights, tmp_path / "optical.tif")
    active = QgsApplication.taskManager().count()
    assert dock.run() is False
    assert not dock.is_running() and QgsApplication.taskManager().count() == active
    assert any("DEM" in m for m in critical_messages(qgis_iface))
    assert list(tmp_path.iterdir()) == []


def test_unload_during_a_run_cancels_it(qgis_iface, layers, fusion_weights,
                                        clean_settings, tmp_path):
    sar, dem = layers
    plugin = sardine.classFactory(qgis_iface)
    plugin.initGui()
    plugin.action.trigger()
    plugin.dock.refresh_environment()
    pick_in_dock(plugin.dock, sar, dem, fusion_weights, tmp_path / "optical.tif")
    before = set(QgsProject.instance().mapLayers())
    active = QgsApplication.taskManager().count()
    assert plugin.dock.run() is True
    plugin.unload()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    wait_until(lambda: QgsApplication.taskManager().count() <= active)
    assert set(QgsProject.instance().mapLayers()) == before
    assert list(tmp_path.iterdir()) == []
    assert QgsApplication.processingRegistry().providerById("sardine") is None


def test_engine_error_reaches_the_message_bar(dock, layers, fusion_weights, qgis_iface,
                                              monkeypatch, tmp_path):
    import sardine.core.translate as engine
    from sardine.core.errors import InputError

    def fail(params, feedback=None, model=None, plan=None):
        raise InputError("The SAR raster is unreadable at row 7; re-export it as GeoTIFF.")

    monkeypatch.setattr(engine, "translate", fail)
    sar, dem = layers
    pick_in_dock(dock, sar, dem, fusion_weights, tmp_path / "optical.tif")
    assert dock.run() is True
    wait_until(lambda: not dock.is_running())
    assert any("unreadable at row 7" in m for m in critical_messages(qgis_iface))
    assert "unreadable at row 7" in dock.status.text() and dock.run_button.isEnabled()


def test_empty_output_means_a_temporary_file(dock, layers, fusion_weights):
    sar, dem = layers
    pick_in_dock(dock, sar, dem, fusion_weights, None)
    assert dock.run() is True
    wait_until(lambda: not dock.is_running())
    (optical,) = QgsProject.instance().mapLayersByName("Sentinel-1 VH VV optical (tiny-late)")
    path = Path(optical.source())
    assert path.is_file() and path.suffix == ".tif"
    assert optical.renderer().type() == "multibandcolor"  # the style saved beside it
    assert QgsProject.instance().layerTreeRoot().findGroup(
        "Sentinel-1 VH VV optical (tiny-late)") is None


def test_model_picker_lists_bundled_models_with_descriptions(qgis_iface, fusion_weights,
                                                             clean_settings, monkeypatch,
                                                             tmp_path):
    import sardine.core.bundled
    from sardine.core.onnx_engines import preferred_engine
    from sardine.training.export_onnx import export_onnx
    from sardine.ui.dock import SardineDock

    monkeypatch.setattr(sardine.core.bundled, "BUNDLED_DIR", tmp_path)
    shutil.copy(fusion_weights, tmp_path / "tiny-late.safetensors")
    dock = SardineDock(qgis_iface)
    dock.refresh_environment()
    form = dock.form
    assert [form.model_combo.itemText(i) for i in range(form.model_combo.count())] == [
        "tiny-late", "Weights file…"]
    runs, about = form.model_info.text().split("\n", 1)  # what will run it, then what it is
    assert runs.startswith("Runs with ")
    assert about.startswith("sardinet-late: VV,VH+DEM -> RGB, 10 m pixels")
    assert not form.weights_widget.isEnabled()
    assert form.choices().model == "tiny-late" and not form.choices().use_weights
    form.model_combo.setCurrentIndex(1)
    form.weights_widget.setFilePath(str(fusion_weights))
    assert form.weights_widget.isEnabled()
    assert "random initialisation (tests)" in form.model_info.text()
    assert form.choices().weights == str(fusion_weights) and form.choices().use_weights
    assert form.choices().model == ""
    # what will run it, before Run: PyTorch (no twin, and why), then the ONNX engine
    assert "Runs with PyTorch (no .onnx twin exported from" in form.model_info.text()
    assert "sardine export --weights" in form.model_info.text()
    engine = preferred_engine()
    if engine is not None:
        mine = tmp_path / "mine"  # not the bundled folder of this test
        mine.mkdir()
        export_onnx(fusion_weights, mine / "file.onnx")
        copy = mine / "file.safetensors"
        shutil.copy(fusion_weights, copy)
        form.weights_widget.setFilePath(str(copy))
        assert f"Runs with {engine.label} (file.onnx)." in form.model_info.text()
        form.device_combo.setCurrentIndex(form.device_combo.findData("cpu"))
        assert f"Runs with {engine.label}" in form.model_info.text()
    dock.deleteLater()
