"""The dock lays out and renders (offscreen): every section visible, nothing clipped.

With ``SARDINE_DOCK_SCREENSHOT=PATH`` the rendering is also saved to ``PATH``; that is how
``docs/dock.png`` is made, under Xvfb with a real window style:

    env -u QT_QPA_PLATFORM SARDINE_DOCK_SCREENSHOT=docs/dock.png xvfb-run -a \
        .venv/bin/python -m pytest tests/test_dock_screenshot.py -o qgis_gui_enabled=true -q
"""
from __future__ import annotations

import os
from pathlib import Path

from qgis.core import QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QMainWindow
from sardine.ui.dock import SardineDock

WIDTH = 320  # a typical dock width on a laptop screen (issue 17: it must fit 300-350 px)
NARROWEST = 300


def test_dock_renders(scene, qgis_new_project, tmp_path, clean_settings):
    import shutil

    import rasterio

    stated = tmp_path / "s1.tif"  # a SAR file that states its geometry, as S1/SNAP ones do
    shutil.copy(scene.sar, stated)
    with rasterio.open(stated, "r+") as ds:
        ds.update_tags(incidenceAngleMidSwath="38.6", platformHeading="-167.2")
    sar = QgsRasterLayer(str(stated), "S1A_IW_GRDH_20230612_VV_VH")
    dem = QgsRasterLayer(str(scene.dem), "Copernicus DEM GLO-30")
    QgsProject.instance().addMapLayers([sar, dem])
    window = QMainWindow()
    dock = SardineDock(None, window)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    dock.refresh_environment()
    form = dock.form
    form.sar_combo.setLayer(sar)
    assert "states incidence 38.6° and heading 192.8°" in form.geometry_note.text()
    form.dem_combo.setLayer(dem)
    form.distortion_box.setChecked(True)
    form.output_widget.setFilePath("/data/slopes/2023-06-12_optical.tif")
    # What the analyst sees while a translation runs.
    dock.progress.setValue(42)
    dock.set_status("Translating S1A_IW_GRDH_20230612_VV_VH.tif…")
    dock.run_button.setEnabled(False)
    dock.cancel_button.setEnabled(True)
    dock.setFloating(True)
    body = dock.widget().widget()
    # Nothing clipped and no horizontal scrolling down to the narrowest usual dock width.
    assert body.minimumSizeHint().width() <= NARROWEST
    title_bar = dock.sizeHint().height() - dock.widget().sizeHint().height()
    dock.resize(WIDTH, body.sizeHint().height() + title_bar + 8)
    dock.show()
    for _ in range(10):
        QApplication.processEvents()
    # Word-wrapped labels (the model description) need more height at this width than
    # sizeHint says; grow until the last widget ends inside the dock.
    for _ in range(5):
        bottom = dock.status.mapTo(dock, dock.status.rect().bottomLeft()).y()
        if bottom + 8 <= dock.height():
            break
        dock.resize(WIDTH, bottom + 16)
        for _ in range(10):
            QApplication.processEvents()
    image = dock.grab().toImage()
    for widget in (dock.run_button, dock.progress, dock.status):
        assert widget.mapTo(dock, widget.rect().bottomLeft()).y() < image.height()
    assert image.width() == WIDTH and image.height() > 400
    for widget in (form.sar_combo, form.model_combo, form.output_widget, dock.run_button,
                   dock.progress, dock.status):
        assert widget.isVisible() and widget.width() > 0
    out = Path(os.environ.get("SARDINE_DOCK_SCREENSHOT") or tmp_path / "dock.png")
    assert image.save(str(out))
    dock.close()
    window.deleteLater()


def test_adapt_section_renders(qgis_new_project, tmp_path, clean_settings):
    """The "Adapt to this area" section open after a real (short) run: the held-out scores
    fit the dock's width. ``SARDINE_ADAPT_SCREENSHOT=PATH`` saves it (docs/dock_adapt.png,
    made as docs/dock.png is)."""
    from adapt_pairs import make_pair
    from support import wait_until

    pair = make_pair(tmp_path, size=128)
    layers = [QgsRasterLayer(str(pair[k]), name) for k, name in (
        ("sar", "S1A_IW_GRDH_20230612_VV_VH"), ("dem", "Copernicus DEM GLO-30"),
        ("optical", "S2B_MSIL2A_20230610 (cloud-free)"), ("clouds", "S2 cloud mask"))]
    QgsProject.instance().addMapLayers(layers)
    window = QMainWindow()
    dock = SardineDock(None, window)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    dock.refresh_environment()
    dock.form.sar_combo.setLayer(layers[0])
    dock.form.dem_combo.setLayer(layers[1])
    panel = dock.adapt_panel
    panel.setCollapsed(False)
    panel.optical_combo.setLayer(layers[2])
    for combo, band in zip(panel.band_combos, (4, 3, 2), strict=True):
        combo.setBand(band)
    panel.mask_combo.setLayer(layers[3])
    panel.minutes_spin.setValue(0.1)
    panel.output_widget.setFilePath(str(tmp_path / "valley_adapted.safetensors"))
    assert panel.run()
    wait_until(lambda: not panel.is_running())
    assert "Held-out adapted: MSE" in panel.result_label.text()
    dock.setFloating(True)
    body = dock.widget().widget()
    assert body.minimumSizeHint().width() <= NARROWEST
    dock.resize(WIDTH, 900)
    dock.show()
    for _ in range(10):
        QApplication.processEvents()
    scroll = dock.widget()
    scroll.ensureWidgetVisible(panel.result_label)  # the section is below the translate form
    for _ in range(10):
        QApplication.processEvents()
    image = dock.grab().toImage()
    label = panel.result_label
    assert label.isVisible() and label.width() <= WIDTH
    out = Path(os.environ.get("SARDINE_ADAPT_SCREENSHOT") or tmp_path / "dock_adapt.png")
    assert image.save(str(out))
    dock.close()
    window.deleteLater()
