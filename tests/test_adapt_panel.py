"""The dock's "Adapt to this area" section in a real QGIS: a background run that shows the
held-out scores, adds the adapted weights to the dock's model list (selected) and remembers
them in the project, which brings the entry back when it is opened again."""
from __future__ import annotations

from pathlib import Path

import pytest
from adapt_pairs import make_pair
from qgis.core import QgsProject, QgsRasterLayer
from sardine.core.onnx_engines import preferred_engine
from sardine.core.translate.runtime import choose_runtime
from sardine.core.weights import read_metadata
from sardine.training.adapt.config import default
from sardine.ui.adapt_panel import AdaptPanel
from sardine.ui.adapted_models import item_data, project_weights, remember_weights
from sardine.ui.choices import AdaptChoices
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
    panel.detail_spin.setValue(4)  # the CLI's --detail, --incidence, --heading
    panel.incidence_spin.setValue(35.0)
    panel.heading_spin.setValue(350.0)
    out = tmp_path / "site.safetensors"
    panel.output_widget.setFilePath(str(out))
    params = panel.parameters()
    assert (params["DETAIL"], params["INCIDENCE"], params["HEADING"]) == (4, 35.0, 350.0)
    assert panel.run()
    assert panel.cancel_button.isEnabled()
    wait_until(lambda: not panel.is_running())
    assert out.exists(), panel.result_label.text()
    assert "Held-out adapted: MSE" in panel.result_label.text()
    assert "(and site.onnx, the faster runtimes' copy)" in panel.result_label.text()
    adapt = read_metadata(out).extra["adapt"]
    assert adapt["recipe"]["detail"] == 4
    if adapt["geometry"] is not None:  # a DEM base: the regions' geometry as given
        assert (adapt["geometry"]["incidence_deg"], adapt["geometry"]["heading_deg"],
                adapt["geometry"]["source"]) == (35.0, 350.0, "given")
    assert str(out) in project_weights()
    assert dock.form.model_combo.currentData() == item_data(str(out))
    choices = dock.form.choices()
    assert choices.use_weights and choices.weights == str(out)  # translate runs these...
    twin = out.with_suffix(".onnx")  # ...through their ONNX twin, written beside them
    assert choose_runtime(out, "auto", "cpu") == (preferred_engine().runtime, twin)
    assert panel.parameters()["BASE_WEIGHTS"] == str(out)  # adapting again starts from them
    saved = AdaptChoices.load()  # a run keeps its options for the next session
    assert (saved.minutes, saved.detail, saved.incidence, saved.heading) == (0.1, 4, 35.0, 350.0)


def test_adapt_options_come_back_next_session(dock):  # noqa: F811
    panel = dock.adapt_panel
    assert panel.choices() == AdaptChoices()  # clean settings: the algorithm's defaults
    panel.minutes_spin.setValue(4.5)
    panel.detail_spin.setValue(16)
    panel.mask_kind.setCurrentIndex(1)
    panel.heading_spin.setValue(190.0)
    panel.look_combo.setCurrentText("left")
    panel.choices().save()
    again = AdaptPanel(dock.form)
    assert again.choices() == panel.choices()
    assert again.choices() != AdaptChoices()
    AdaptChoices(minutes=1e9, detail=-5, mask_kind="from an old version", look="up").save()
    odd = AdaptPanel(dock.form).choices()  # clamped to the limits, unknown items: defaults
    assert (odd.minutes, odd.detail) == (panel.minutes_spin.maximum(), 0)
    assert (odd.mask_kind, odd.look) == (AdaptChoices().mask_kind, AdaptChoices().look)


def test_adapted_entries_follow_the_project(dock, tmp_path):  # noqa: F811
    weights = tmp_path / "valley.safetensors"
    weights.write_bytes(b"not read here")
    combo = dock.form.model_combo
    bundled = combo.count()
    remember_weights(str(weights))
    dock.form.select_adapted(str(weights))
    assert combo.count() == bundled + 1
    assert combo.currentText() == "Adapted: valley"
    project_file = tmp_path / "site.qgz"
    assert QgsProject.instance().write(str(project_file))
    QgsProject.instance().clear()  # a new project: no adapted entry
    assert combo.findData(item_data(str(weights))) < 0 and combo.count() == bundled
    assert QgsProject.instance().read(str(project_file))  # reopened: the entry is back
    assert combo.findData(item_data(str(weights))) >= 0
    dock.form.model_combo.setCurrentIndex(0)  # a bundled model: no stale base weights
    assert not dock.form.choices().use_weights


def test_adapt_panel_refuses_without_optical(dock):  # noqa: F811
    assert not dock.adapt_panel.run()
    assert "optical" in dock.adapt_panel.result_label.text().lower() or \
        "SAR" in dock.adapt_panel.result_label.text()


def test_adapt_options_fit_the_narrow_dock(dock, pair, tmp_path):  # noqa: F811
    """Detail head and geometry, unfolded, keep the dock within 300 px; left at their
    defaults they give the recipe's detail head and leave the geometry to the SAR file (no
    INCIDENCE/HEADING parameter)."""
    panel = dock.adapt_panel
    panel.setCollapsed(False)
    panel.more_box.setCollapsed(False)
    assert dock.widget().widget().minimumSizeHint().width() <= 300
    assert panel.incidence_spin.text() == "From SAR file"
    sar, optical = (QgsRasterLayer(str(pair[k]), k) for k in ("sar", "optical"))
    QgsProject.instance().addMapLayers([sar, optical])
    dock.form.sar_combo.setLayer(sar)
    panel.optical_combo.setLayer(optical)
    panel.output_widget.setFilePath(str(tmp_path / "site.safetensors"))
    params = panel.parameters()
    assert params["DETAIL"] == default("detail")  # the recipe's, as on the command line
    assert "INCIDENCE" not in params and "HEADING" not in params
    panel.detail_spin.setValue(16)
    panel.heading_spin.setValue(190.0)
    panel.look_combo.setCurrentText("left")
    params = panel.parameters()
    assert (params["DETAIL"], params["HEADING"], params["LOOK"]) == (16, 190.0, "left")
    assert "INCIDENCE" not in params  # still read from the SAR file
