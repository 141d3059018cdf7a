"""The dock's "Adapt to this area" section in a real QGIS: a background run that shows the
held-out scores, selects the adapted weights and remembers them in the project."""
from __future__ import annotations

from pathlib import Path

import pytest
from adapt_pairs import make_pair
from qgis.core import QgsProject, QgsRasterLayer
from sardine.ui.adapt_panel import project_weights
from sardine.ui.dock_form import WEIGHTS_ITEM
from support import wait_until


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> dict[str, Path]:
    return make_pair(tmp_path_factory.mktemp("pair"), size=128)


def test_adapt_panel_runs_and_selects_the_weights(dock, pair, tmp_path):  # noqa: F811
    layers = {k: QgsRasterLayer(str(pair[k]), k) for k in ("sar", "dem", "optical", "clouds")}
    assert all(layer.isValid() for layer in layers.values())
    QgsProject.instance().addMapLayers(list(layers.values()))
    dock.form.sar_combo.setLayer(layers["sar"])
    dock.form.dem_combo.setLayer(layers["dem"])
    panel = dock.adapt_panel
    panel.optical_combo.setLayer(layers["optical"])
    panel.mask_combo.setLayer(layers["clouds"])
    panel.minutes_spin.setValue(0.1)
    out = tmp_path / "site.safetensors"
    panel.output_widget.setFilePath(str(out))
    assert panel.run()
    assert panel.cancel_button.isEnabled()
    wait_until(lambda: not panel.is_running())
    assert out.exists(), panel.result_label.text()
    assert "Held-out adapted: MSE" in panel.result_label.text()
    assert str(out) in project_weights()
    assert dock.form.model_combo.currentData() == WEIGHTS_ITEM
    assert dock.form.weights_widget.filePath() == str(out)
    assert panel.known_combo.findData(str(out)) > 0


def test_adapt_panel_refuses_without_optical(dock):  # noqa: F811
    assert not dock.adapt_panel.run()
    assert "optical" in dock.adapt_panel.result_label.text().lower() or \
        "SAR" in dock.adapt_panel.result_label.text()
