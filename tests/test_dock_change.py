"""The dock's Change (pre/post) mode and its trust option, end to end in a real QGIS: a
simulated landslide pair runs ``sardine:change`` in a background task and comes back as one
styled layer group; Cancel leaves no file; the translate mode's trust layer is added with
its grey veil."""
from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsProject, QgsRasterLayer
from sardine.ui.choices import DockChoices
from support import critical_messages, pick_in_dock, run_and_cancel, save_tiny, wait_until

SIZE, PIXEL = 64, 40.0  # px, m: room for two slides, small enough to run in seconds


@pytest.fixture(scope="module")
def landslide(tmp_path_factory) -> dict[str, Path]:
    from sardine.training.simulate import SceneSpec
    from sardine.training.simulate.landslide import simulate_landslide, write_landslide

    pair = simulate_landslide(SceneSpec(size=SIZE, pixel_size=PIXEL, seed=3), count=2)
    return write_landslide(pair, tmp_path_factory.mktemp("landslide"))


@pytest.fixture(scope="module")
def weights_40m(tmp_path_factory) -> Path:
    """Tiny fusion weights at the pair's pixel size (no resampling: fast)."""
    return save_tiny(tmp_path_factory.mktemp("weights") / "tiny-40m.safetensors",
                     pixel_size_m=PIXEL)


@pytest.fixture
def pair_layers(landslide, qgis_new_project):
    layers = [QgsRasterLayer(str(landslide[key]), name) for key, name in (
        ("pre_sar", "S1 2023-05-01"), ("post_sar", "S1 2023-05-25"), ("pre_dem", "DEM"))]
    assert all(layer.isValid() for layer in layers)
    QgsProject.instance().addMapLayers(layers)
    return layers


def pick_change(dock, layers, weights: Path, folder: Path | None) -> None:
    pre, post, dem = layers
    pick_in_dock(dock, pre, dem, weights, None)
    form = dock.form
    form.mode_combo.setCurrentIndex(form.mode_combo.findData("change"))
    form.post_combo.setLayer(post)
    form.incidence_spin.setValue(39.0)  # the simulator's geometry (its files state none)
    form.heading_spin.setValue(190.0)
    form.folder_widget.setFilePath(str(folder) if folder else "")


def test_change_mode_shows_its_widgets_and_is_remembered(dock, pair_layers, qgis_iface,
                                                         tmp_path):
    form = dock.form
    assert form.distortion_box.isCheckable() and not form.post_combo.isVisibleTo(form)
    form.distortion_box.setChecked(True)
    form.mode_combo.setCurrentIndex(form.mode_combo.findData("change"))
    assert form.post_combo.isVisibleTo(form) and form.folder_widget.isVisibleTo(form)
    for hidden in (form.vv_combo, form.enhance_combo, form.output_widget, form.trust_check,
                   form.compile_check, form.batch_spin):
        assert not hidden.isVisibleTo(form)
    assert not form.distortion_box.isCheckable()  # the geometry is always needed here
    assert form.choices().mode == "change" and form.choices().distortion
    form.post_combo.setLayer(None)
    form.sar_combo.setLayer(pair_layers[0])
    assert "post-event SAR" in dock.status.text()
    assert dock.run() is False and list(tmp_path.iterdir()) == []
    form.choices().save()
    assert DockChoices.load().mode == "change"
    form.mode_combo.setCurrentIndex(form.mode_combo.findData("translate"))
    assert form.distortion_box.isCheckable() and form.distortion_box.isChecked()


def test_change_mode_adds_one_styled_group(dock, pair_layers, weights_40m, qgis_iface,
                                           tmp_path):
    folder = tmp_path / "change"
    pick_change(dock, pair_layers, weights_40m, folder)
    assert dock.run() is True
    assert dock.is_running() and not dock.run_button.isEnabled()
    wait_until(lambda: not dock.is_running())
    assert critical_messages(qgis_iface) == []
    group = QgsProject.instance().layerTreeRoot().findGroup(
        "Change S1 2023-05-01 -> S1 2023-05-25")
    assert group is not None
    nodes = group.findLayers()
    assert [n.name() for n in nodes] == ["trust", "change", "post-event optical",
                                         "pre-event optical"]
    renderers = [n.layer().renderer().type() for n in nodes]
    assert renderers == ["singlebandpseudocolor", "singlebandpseudocolor", "multibandcolor",
                         "multibandcolor"]
    assert nodes[1].layer().renderer().band() == 4  # the combined score
    assert not nodes[3].itemVisibilityChecked()  # pre under post: tick it to compare
    assert {Path(n.layer().source()).parent for n in nodes} == {folder}
    assert dock.progress.value() == 100 and "Done" in dock.status.text()
    assert "group 'Change S1 2023-05-01 -> S1 2023-05-25'" in dock.status.text()


def test_change_mode_cancel_leaves_no_file(dock, pair_layers, weights_40m, qgis_iface,
                                           tmp_path):
    pick_change(dock, pair_layers, weights_40m, tmp_path / "change")
    run_and_cancel(dock, tmp_path)
    assert QgsProject.instance().layerTreeRoot().findGroups() == []


def test_translate_mode_adds_the_trust_layer(dock, layers, fusion_weights, qgis_iface,
                                             tmp_path):
    sar, dem = layers
    out = tmp_path / "optical.tif"
    pick_in_dock(dock, sar, dem, fusion_weights, out)
    dock.form.trust_check.setChecked(True)
    dock.form.incidence_spin.setValue(39.0)
    dock.form.heading_spin.setValue(190.0)
    assert dock.run() is True
    wait_until(lambda: not dock.is_running())
    assert critical_messages(qgis_iface) == []
    group = QgsProject.instance().layerTreeRoot().findGroup(
        "Sentinel-1 VH VV optical (tiny-late)")
    nodes = group.findLayers()
    assert [Path(n.layer().source()) for n in nodes] == [tmp_path / "optical_trust.tif", out]
    trust = nodes[0].layer()
    assert trust.name() == "Sentinel-1 VH VV optical (tiny-late) trust"
    stops = trust.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert stops[0].color.alpha() > 0 and stops[-1].color.alpha() == 0  # a veil where low
    assert "its trust layer" in dock.status.text()
    assert not (tmp_path / "optical_trust_mask.tif").exists()  # the scratch mask is gone


def test_change_mode_is_no_wider_than_translate_mode(dock, pair_layers):
    """Change mode keeps to the dock width translate mode needs (docs/dock_change.png: 300 px,
    made under Xvfb as tests/test_dock_screenshot.py makes docs/dock.png)."""
    form = dock.form
    body = dock.widget().widget()
    form.sar_combo.setLayer(pair_layers[0])
    translate_width = body.minimumSizeHint().width()
    form.mode_combo.setCurrentIndex(form.mode_combo.findData("change"))
    form.post_combo.setLayer(pair_layers[1])
    assert body.minimumSizeHint().width() <= translate_width
    assert form.distortion_box.title() == "Geometry (trust layer)"
    assert form.sar_combo.toolTip() and dock.status.text() == "Ready."
