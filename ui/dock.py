"""The Sardine dock: pick layers and a model, press Run, keep working; the optical layer
(and its distortion mask) appear on the map when the background task ends.

Runs ``sardine:translate`` through ``AlgorithmRun`` (a ``QgsProcessingAlgRunnerTask``), so
the dock, the toolbox and ``qgis_process`` share one code path and one validation.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProject,
)
from qgis.gui import QgisInterface, QgsDockWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QShowEvent
from qgis.PyQt.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import InputError
from ..processing import translate_algorithm as alg
from ..processing.common import bundled_models, layer_file
from .adapt_panel import AdaptPanel
from .dependencies import MissingPackage, missing_message, missing_packages
from .devices import detect_gpu, device_choices
from .dock_form import DockForm
from .request import DockChoices, TranslateRequest
from .results import add_results
from .task import AlgorithmRun

ALGORITHM_ID = "sardine:translate"
BANNER_STYLE = ("QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c6cb;"
                " border-radius: 4px; padding: 6px; }")


def create_translate_algorithm() -> QgsProcessingAlgorithm:
    """The registered algorithm (so runs show under the provider), or a fresh instance."""
    registered = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM_ID)
    if registered is not None:
        return registered
    algorithm = alg.TranslateAlgorithm()
    algorithm.initAlgorithm({})
    return algorithm


class SardineDock(QgsDockWidget):
    """Dock widget with the form, Run/Cancel, a progress bar and a status line."""

    def __init__(self, iface: QgisInterface | None, parent: QWidget | None = None) -> None:
        super().__init__("Sardine: SAR to optical", parent)
        self.setObjectName("SardineDock")
        self.iface = iface
        self._run: AlgorithmRun | None = None
        self._env_checked = False
        self._output_dir = ""
        self._missing: list[MissingPackage] = []

        body = QWidget()
        layout = QVBoxLayout(body)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.form = DockForm(body)
        layout.addWidget(self.form)
        buttons = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel("Pick a SAR layer and a model, then press Run.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.adapt_panel = AdaptPanel(self.form, body)
        layout.addWidget(self.adapt_panel)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.form.sar_combo.layerChanged.connect(self._check_layers)
        self.form.dem_combo.layerChanged.connect(self._check_layers)

    # --- environment ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Check packages and GPU the first time the dock is shown, not at QGIS start-up
        (importing torch takes seconds)."""
        super().showEvent(event)
        if not self._env_checked:
            self.refresh_environment()

    def refresh_environment(self) -> list[MissingPackage]:
        """Say what is missing (and how to install it), list models and devices."""
        missing = self._missing = missing_packages()
        first = not self._env_checked
        self._env_checked = True
        self.banner.setText(missing_message(missing) if missing else "")
        self.banner.setVisible(bool(missing))
        self.form.set_devices(device_choices(None if missing else detect_gpu()))
        self.form.set_models(bundled_models())
        if first:
            choices = DockChoices.load()
            self._output_dir = choices.output_dir
            self.form.set_choices(choices)
        self._set_running(False)
        if missing:
            self.status.setText("Install the missing package(s) shown above, then restart QGIS.")
        else:
            self._check_layers()
        return missing

    def _check_layers(self, *_args: object) -> None:
        """Say at once when a picked layer is not a file (WMS, XYZ, memory...)."""
        try:
            self._layer_paths()
        except InputError as exc:
            self.status.setText(str(exc))
            return
        if not self.is_running():
            self.status.setText("Ready." if self.form.sar_combo.currentLayer() else
                                "Add a SAR raster to the project, then pick it.")

    # --- running --------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._run is not None and self._run.running

    def _layer_paths(self) -> tuple[Path, Path | None]:
        sar = self.form.sar_combo.currentLayer()
        dem = self.form.dem_combo.currentLayer()
        return layer_file(sar, "SAR"), layer_file(dem, "DEM") if dem is not None else None

    def build_request(self) -> TranslateRequest:
        """Widgets -> ``TranslateRequest``; raises ``InputError`` for unusable layers."""
        sar_path, dem_path = self._layer_paths()
        output = self.form.output_widget.filePath().strip()
        if output and not Path(output).suffix:
            output += ".tif"
        if output:
            self._output_dir = str(Path(output).parent)
        name = f"{self.form.sar_combo.currentLayer().name()} optical"
        return TranslateRequest(
            sar_path=sar_path, dem_path=dem_path, output=output, name=name,
            bands=(self.form.vv_combo.currentBand(), self.form.vh_combo.currentBand()),
            choices=self.form.choices(self._output_dir))

    def run(self) -> bool:
        """Validate everything first (nothing starts on bad input), then start the task."""
        if self.is_running():
            return False
        if not self._env_checked:
            self.refresh_environment()
        missing = missing_packages()
        if missing:
            self._fail(missing_message(missing))
            return False
        try:
            request = self.build_request()
        except InputError as exc:
            self._fail(str(exc))
            return False
        request.choices.save()
        algorithm = create_translate_algorithm()
        parameters = request.to_parameters()
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        ok, message = algorithm.checkParameterValues(parameters, context)
        if not ok:
            self._fail(message)
            return False
        self._run = AlgorithmRun(algorithm, parameters)
        self._run.progress.connect(self._on_progress)
        self._run.finished.connect(lambda *a, r=request: self._on_finished(r, *a))
        self._set_running(True)
        self.progress.setValue(0)
        self.status.setText(f"Translating {request.sar_path.name}…")
        self._run.start()
        return True

    def cancel(self) -> None:
        if self.is_running():
            self.status.setText("Cancelling…")
            self._run.cancel()

    def shutdown(self) -> None:
        """Cancel a run in progress without reporting back (the plugin is unloading)."""
        self.adapt_panel.shutdown()
        if self._run is not None:
            self._run.detach()
            self._run = None

    def _on_progress(self, percent: float) -> None:
        self.progress.setValue(int(percent))

    def _on_finished(self, request: TranslateRequest, ok: bool, results: dict, error: str,
                     cancelled: bool) -> None:
        self._set_running(False)
        warnings = self._run.feedback.warnings if self._run is not None else []
        self._run = None
        if cancelled:
            self.progress.setValue(0)
            self.status.setText("Cancelled: nothing was written.")
            self._message("Translation cancelled; nothing was written.", Qgis.Info)
            return
        if not ok:
            self._fail(error)
            return
        try:
            added = add_results(QgsProject.instance(), results[alg.OUTPUT], request.name,
                                results.get(alg.DISTORTION_OUTPUT))
        except OSError as exc:
            self._fail(str(exc))
            return
        self.progress.setValue(100)
        note = (f" {len(warnings)} warning(s) in the log panel (Sardine tab): {warnings[-1]}"
                if warnings else "")
        self.status.setText(f"Done: added '{added.optical.name()}'"
                            + (" and its distortion mask." if added.distortion else ".") + note)
        self._message(f"Added '{added.optical.name()}'.", Qgis.Success)

    # --- feedback to the analyst ----------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and not self._missing)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)

    def _fail(self, message: str) -> None:
        self.status.setText(message)
        self._message(message, Qgis.Critical)

    def _message(self, text: str, level: Qgis.MessageLevel) -> None:
        if self.iface is not None:
            duration = 0 if level == Qgis.Critical else 6
            self.iface.messageBar().pushMessage("Sardine", text, level, duration)
