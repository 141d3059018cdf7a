"""The dock's "Adapt to this area" section: fine-tune on the analyst's own site.

Takes the SAR and DEM from the dock's pickers, adds an optical layer (with red/green/blue
band pickers), an optional cloud mask and a time budget, and (folded away, as the
algorithm's advanced parameters) the detail head's width and the acquisition geometry of the
per-region scores; it runs ``sardine:adapt`` as a background task (progress, cancel).
When it ends it shows the held-out scores, warns plainly when a flat patch of the mean
colour does as well, and adds the adapted weights to the dock's model list, selected, and
to the QGIS project's list (``adapted_models``), so the entry comes back when the project
is reopened.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication, QgsMapLayerProxyModel, QgsRasterLayer
from qgis.gui import (
    QgsCollapsibleGroupBox,
    QgsFileWidget,
    QgsMapLayerComboBox,
    QgsRasterBandComboBox,
    QgsSpinBox,
)
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from ..core.errors import InputError
from ..core.translate.params import LOOKS
from ..core.translate.params import default as translate_default
from ..processing import adapt_algorithm as alg
from ..processing.common import layer_file
from .adapted_models import remember_weights
from .choices import AdaptChoices, geometry_parameters
from .task import AlgorithmRun
from .widgets import angle_spin, narrow

WARNING_STYLE = "QLabel { color: #8a4b00; }"


class AdaptPanel(QgsCollapsibleGroupBox):
    """Self-contained section; ``form`` is the dock's form (SAR, DEM, model pickers)."""

    adapted = pyqtSignal(str)  # path of new adapted weights

    def __init__(self, form, parent: QWidget | None = None) -> None:
        super().__init__("Adapt to this area", parent)
        self.form = form
        self._run: AlgorithmRun | None = None
        self.setCollapsed(True)
        layout = QFormLayout(self)
        self.optical_combo = QgsMapLayerComboBox()
        self.optical_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.optical_combo.setAllowEmptyLayer(True, "Pick a cloud-free optical image")
        self.optical_combo.setLayer(None)
        self.band_combos = [QgsRasterBandComboBox() for _ in range(3)]
        for combo in self.band_combos:  # a row each: three in a row cut the names to "Ban"
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLength)
            combo.setMinimumContentsLength(1)
            combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            combo.setShowNotSetOption(True, "guess from band names")
        self.mask_combo = QgsMapLayerComboBox()
        self.mask_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.mask_combo.setAllowEmptyLayer(True, "No cloud mask")
        self.mask_combo.setLayer(None)
        self.mask_kind = narrow(QComboBox())
        self.mask_kind.addItems(list(alg.MASK_KINDS))
        self.minutes_spin = QDoubleSpinBox()
        self.minutes_spin.setRange(*alg.LIMITS["minutes"])
        self.minutes_spin.setValue(alg.default("minutes"))
        self.minutes_spin.setSuffix(" min")
        self.more_box = self._more_options()
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.SaveFile)
        self.output_widget.setFilter("Sardine weights (*.safetensors)")
        self.run_button = QPushButton("Adapt")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.result_label = QLabel("Fine-tune the model on a SAR + cloud-free optical pair of "
                                   "your site (base: the model chosen above).")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addRow("Optical", self.optical_combo)
        for name, combo in zip(("Red", "Green", "Blue"), self.band_combos, strict=True):
            layout.addRow(name, combo)
        layout.addRow("Cloud mask", self.mask_combo)
        layout.addRow("Mask is", self.mask_kind)
        layout.addRow("Time", self.minutes_spin)
        layout.addRow("Save as", self.output_widget)
        layout.addRow(self.more_box)
        layout.addRow(buttons)
        layout.addRow(self.progress)
        layout.addRow(self.result_label)

        self.optical_combo.layerChanged.connect(self._on_optical_changed)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.set_choices(AdaptChoices.load())

    # --- widgets --------------------------------------------------------------------------
    def _more_options(self) -> QgsCollapsibleGroupBox:
        """The algorithm's advanced options, folded away: the detail head's width and the
        geometry of the per-region scores (the same widgets as the dock's mask geometry)."""
        box = QgsCollapsibleGroupBox("Detail and geometry")
        form = QFormLayout(box)
        self.detail_spin = QgsSpinBox()
        self.detail_spin.setRange(*(int(v) for v in alg.LIMITS["detail"]))
        self.detail_spin.setSingleStep(8)
        self.detail_spin.setSpecialValueText("Off")
        self.detail_spin.setClearValue(int(alg.default("detail")))
        self.detail_spin.setValue(int(alg.default("detail")))
        self.detail_spin.setSuffix(" ch")
        self.detail_spin.setToolTip("Width of a full-resolution detail head added to a "
                                    "SARDINet base, for finer texture (Off: none); "
                                    "docs/ADAPT.md has what it did on real pairs.")
        self.incidence_spin = angle_spin("incidence")
        self.heading_spin = angle_spin("heading")
        self.look_combo = QComboBox()  # short items
        self.look_combo.addItems(list(LOOKS))
        self.look_combo.setCurrentText(translate_default("look"))
        note = QLabel("Geometry (with a DEM): only for the scores per distortion region; "
                      "'From SAR file' when the file states it, else Sentinel-1 descending "
                      "values are assumed and said so.")
        note.setWordWrap(True)
        form.addRow("Detail head", self.detail_spin)
        form.addRow(note)
        form.addRow("Incidence", self.incidence_spin)
        form.addRow("Heading", self.heading_spin)
        form.addRow("Look", self.look_combo)
        box.setCollapsed(True)
        return box

    def choices(self) -> AdaptChoices:
        """What the next session gets back (saved when a run starts)."""
        return AdaptChoices(minutes=self.minutes_spin.value(), detail=self.detail_spin.value(),
                            mask_kind=self.mask_kind.currentText(),
                            incidence=self.incidence_spin.value(),
                            heading=self.heading_spin.value(),
                            look=self.look_combo.currentText())

    def set_choices(self, c: AdaptChoices) -> None:
        """Out-of-range numbers are clamped by the spin boxes; an unknown item keeps the
        default (settings written by another version)."""
        self.minutes_spin.setValue(c.minutes)
        self.detail_spin.setValue(c.detail)
        self.incidence_spin.setValue(c.incidence)
        self.heading_spin.setValue(c.heading)
        for combo, text in ((self.mask_kind, c.mask_kind), (self.look_combo, c.look)):
            if combo.findText(text) >= 0:
                combo.setCurrentText(text)

    def _on_optical_changed(self, layer) -> None:
        raster = layer if isinstance(layer, QgsRasterLayer) else None
        for combo in self.band_combos:
            combo.setLayer(raster)
            combo.setBand(-1)

    # --- running --------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._run is not None and self._run.running

    def parameters(self) -> dict:
        """Widgets -> ``sardine:adapt`` parameters; InputError for unusable choices."""
        sar = self.form.sar_combo.currentLayer()
        dem = self.form.dem_combo.currentLayer()
        optical = self.optical_combo.currentLayer()
        mask = self.mask_combo.currentLayer()
        sar_path, optical_path = layer_file(sar, "SAR"), layer_file(optical, "optical")
        out = self.output_widget.filePath().strip()
        if not out:
            raise InputError("Choose where to save the adapted weights (.safetensors).")
        if not out.lower().endswith(".safetensors"):
            out += ".safetensors"
        choices = self.form.choices()
        params = {alg.SAR: str(sar_path), alg.OPTICAL: str(optical_path),
                  alg.DEM: str(layer_file(dem, "DEM")) if dem is not None else None,
                  alg.CLOUD_MASK: str(layer_file(mask, "cloud mask")) if mask else None,
                  alg.MASK_KIND: self.mask_kind.currentText(),
                  alg.BASE: choices.model or alg.AUTOMATIC,
                  alg.BASE_WEIGHTS: choices.weights if choices.use_weights else None,
                  alg.MINUTES: self.minutes_spin.value(),
                  alg.DETAIL: self.detail_spin.value(),
                  **geometry_parameters(self.incidence_spin.value(),
                                        self.heading_spin.value(),
                                        self.look_combo.currentText()),
                  alg.DEVICE: choices.device if choices.device in alg.DEVICES else "auto",
                  alg.OUTPUT: out}
        bands = [c.currentBand() for c in self.band_combos]
        if all(b > 0 for b in bands):
            params.update(zip((alg.RED, alg.GREEN, alg.BLUE), bands, strict=True))
        return params

    def run(self) -> bool:
        if self.is_running():
            return False
        try:
            parameters = self.parameters()
        except InputError as exc:
            self._show(str(exc), warning=True)
            return False
        self.choices().save()
        algorithm = QgsApplication.processingRegistry().createAlgorithmById("sardine:adapt")
        if algorithm is None:
            algorithm = alg.AdaptAlgorithm()
            algorithm.initAlgorithm({})
        self._run = AlgorithmRun(algorithm, parameters)
        self._run.progress.connect(lambda p: self.progress.setValue(int(p)))
        self._run.finished.connect(self._on_finished)
        self._set_running(True)
        self.progress.setValue(0)
        self._show("Adapting… (the check on held-out ground follows)")
        self._run.start()
        return True

    def cancel(self) -> None:
        if self.is_running():
            self._run.cancel()

    def shutdown(self) -> None:
        """Cancel a run without reporting back."""
        if self._run is not None:
            self._run.detach()
            self._run = None

    def _on_finished(self, ok: bool, results: dict, error: str, cancelled: bool) -> None:
        self._set_running(False)
        self._run = None
        if cancelled:
            self.progress.setValue(0)
            self._show("Cancelled: no weights were written.")
            return
        if not ok:
            self._show(error, warning=True)
            return
        self.progress.setValue(100)
        path = str(results[alg.OUTPUT])
        lines = [f"Held-out {name}: MSE {results[f'MSE_{key}']:.4f}, SSIM "
                 f"{results[f'SSIM_{key}']:.3f}"
                 for name, key in (("adapted", "ADAPTED"), ("base", "BASE"),
                                   ("flat colour", "FLAT"))]
        beats = bool(results.get("BEATS_FLAT"))
        if not beats:
            lines.append("Warning: the adapted model does not beat a flat patch of the mean "
                         "colour on held-out ground; do not trust its colours there.")
        remember_weights(path)
        self.form.select_adapted(path)
        twin = results.get(alg.ONNX)
        selected = f"Adapted weights selected: {Path(path).name}" + (
            f" (and {Path(twin).name}, the faster runtimes' copy)" if twin else "")
        self._show("\n".join([selected, *lines]), warning=not beats)
        self.adapted.emit(path)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for widget in (self.optical_combo, self.mask_combo, self.minutes_spin,
                       self.output_widget, self.more_box, *self.band_combos):
            widget.setEnabled(not running)

    def _show(self, text: str, warning: bool = False) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(WARNING_STYLE if warning else "")
