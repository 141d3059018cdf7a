"""The Sardine dock: pick layers and a model, press Run, keep working; the optical layer
(and its distortion mask and trust layer) appear on the map when the background task ends.
In *Change (pre/post)* mode, two acquisitions give one layer group: trust, change, post-
and pre-event optical.

Runs ``sardine:translate`` or ``sardine:change`` through ``AlgorithmRun`` (a
``QgsProcessingAlgRunnerTask``), so the dock, the toolbox and ``qgis_process`` share one
code path and one validation: the algorithm's own (``checkParameterValues``, whose plan the
prepared task runs), before anything starts. The change group is added and styled by the
algorithm itself (``postProcessAlgorithm``, in the main thread), as from the toolbox.
"""
from __future__ import annotations

import re
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
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
from ..processing import change_algorithm as change_alg
from ..processing import translate_algorithm as alg
from ..processing.common import bundled_models, layer_file, output_name
from ..processing.dependencies import MissingPackage, missing_message, missing_packages
from ..processing.task_guard import task_error_message
from .adapt_panel import AdaptPanel
from .adapted_models import project_weights
from .choices import MODES, DockChoices
from .devices import detect_gpu, device_choices
from .dock_form import DockForm
from .install_panel import InstallPanel
from .results import add_results, change_group
from .task import LOG_TAG, AlgorithmRun

ALGORITHMS = {"sardine:translate": alg.TranslateAlgorithm,
              "sardine:change": change_alg.ChangeAlgorithm}
# mode -> (status while running, what a cancel stopped)
RUNNING = {"translate": ("Translating {}…", "Translation"),
           "change": ("Translating and comparing {}…", "Change run")}
LONG_WORD = re.compile(r"\S{25,}")  # longer than a 300 px line holds
MESSAGE_CHARS = 110  # about two lines of the message bar; longer texts get "Show more"
BANNER_STYLE = ("QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c6cb;"
                " border-radius: 4px; padding: 6px; }")


def create_algorithm(algorithm_id: str) -> QgsProcessingAlgorithm:
    """The registered algorithm (so runs show under the provider), or a fresh instance."""
    registered = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    if registered is not None:
        return registered
    algorithm = ALGORITHMS[algorithm_id]()
    algorithm.initAlgorithm({})
    return algorithm


class SardineDock(QgsDockWidget):
    """Dock widget with the form, Run/Cancel, a progress bar and a status line."""

    def __init__(self, iface: QgisInterface | None, parent: QWidget | None = None) -> None:
        super().__init__("Sardine: SAR to optical", parent)
        self.setObjectName("SardineDock")
        self.iface = iface
        self._run: AlgorithmRun | None = None
        self._mode = next(iter(MODES))  # of the run in progress
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
        self.install = InstallPanel(lambda ok: ok and self.refresh_environment(), body)
        layout.addWidget(self.install)
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
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.adapt_panel = AdaptPanel(self.form, body)
        layout.addWidget(self.adapt_panel)
        self.set_status("Pick a SAR layer and a model, then press Run.")
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # the form fits 300 px
        scroll.setWidget(body)
        self.setWidget(scroll)

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.form.sar_combo.layerChanged.connect(self._check_layers)
        self.form.dem_combo.layerChanged.connect(self._check_layers)
        self.form.post_combo.layerChanged.connect(self._check_layers)
        self.form.mode_combo.currentIndexChanged.connect(self._check_layers)
        project = QgsProject.instance()
        project.readProject.connect(self.load_project_models)
        project.cleared.connect(self.load_project_models)
        self.load_project_models()

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
        self.install.set_missing(missing)
        self.form.set_devices(device_choices(None if missing else detect_gpu()))
        self.form.set_models(bundled_models())
        if first:
            choices = DockChoices.load()
            self._output_dir = choices.output_dir
            self.form.set_choices(choices)
        self._set_running(False)
        self._check_layers()
        return missing

    def load_project_models(self, *_args: object) -> None:
        """The open project's adapted weights as entries of the model list (a new or other
        project brings its own, or none)."""
        self.form.set_adapted(project_weights())

    def _check_layers(self, *_args: object) -> None:
        """Say at once when a picked layer is not a file (WMS, XYZ, memory...); never
        "Ready." while packages are missing."""
        if self.is_running():
            return
        if self._missing:
            self.set_status("Install the missing package(s) shown above, then restart QGIS.")
            return
        try:
            self._layer_paths()
        except InputError as exc:
            self.set_status(str(exc))
            return
        self.set_status("Ready." if self.form.sar_combo.currentLayer() else
                            "Add a SAR raster to the project, then pick it.")

    # --- running --------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._run is not None and self._run.running

    def _layer_paths(self) -> tuple[Path, Path | None, Path | None]:
        """The SAR (pre-event) and DEM files, and the post-event SAR's in Change mode."""
        form = self.form
        change = form.mode() == "change"
        sar = layer_file(form.sar_combo.currentLayer(), "pre-event SAR" if change else "SAR")
        post = layer_file(form.post_combo.currentLayer(), "post-event SAR") if change else None
        dem = form.dem_combo.currentLayer()
        return sar, layer_file(dem, "DEM") if dem is not None else None, post

    def build_parameters(self) -> tuple[dict, str]:
        """Widgets -> the mode's algorithm parameters and the output layer's name ("" for a
        change run: the algorithm names its group), and the choices remembered for next
        time; raises ``InputError`` for what only the dock can get wrong (unusable layer,
        "Weights file…" without a file)."""
        sar_path, dem_path, post_path = self._layer_paths()
        choices = self.form.choices(self._output_dir)
        if choices.use_weights and not choices.weights:
            raise InputError("'Weights file…' is chosen but no file is given: choose a "
                             ".safetensors weights file, or pick a bundled model.")
        if post_path is not None:
            folder = self.form.folder_widget.filePath().strip()
            if folder:
                self._output_dir = choices.output_dir = str(Path(folder).parent)
            choices.save()
            return choices.change_parameters(sar_path, post_path, dem_path, folder), ""
        output = self.form.output_widget.filePath().strip()
        if output and not Path(output).suffix:
            output += ".tif"
        if output:
            self._output_dir = choices.output_dir = str(Path(output).parent)
        choices.save()
        bands = (self.form.vv_combo.currentBand(), self.form.vh_combo.currentBand())
        name = output_name(self.form.sar_combo.currentLayer().name(), choices.model_name())
        return choices.parameters(sar_path, bands, dem_path, output), name

    def run(self) -> bool:
        """Check everything first (nothing starts on bad input), then start the task."""
        if self.is_running():
            return False
        if not self._env_checked:
            self.refresh_environment()
        self.progress.setValue(0)  # no previous run's 100 % beside a refusal
        missing = missing_packages()
        if missing:
            self._fail(missing_message(missing))
            return False
        try:
            parameters, name = self.build_parameters()
        except InputError as exc:
            self._fail(str(exc))
            return False
        self._mode = self.form.mode()
        algorithm = create_algorithm(MODES[self._mode][1])
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        ok, message = algorithm.checkParameterValues(parameters, context)
        if not ok:
            self._fail(message)
            return False
        run = AlgorithmRun(algorithm, parameters)  # prepares with the plan checked above
        if not run.prepared:
            self._fail(run.error or "The run was refused; see the log (Sardine tab).")
            return False
        self._run = run
        run.progress.connect(self._on_progress)
        run.finished.connect(lambda *a, n=name: self._on_finished(n, *a))
        self._set_running(True)
        self.set_status(RUNNING[self._mode][0].format(self.form.sar_combo.currentLayer().name()))
        run.start()
        return True

    def cancel(self) -> None:
        if self.is_running():
            self.set_status("Cancelling…")
            self._run.cancel()

    def shutdown(self) -> None:
        """Cancel a run in progress without reporting back (the plugin is unloading), and
        stop following the project."""
        self.adapt_panel.shutdown()
        project = QgsProject.instance()
        for signal in (project.readProject, project.cleared):
            try:
                signal.disconnect(self.load_project_models)
            except TypeError:
                pass
        if self._run is not None:
            self._run.detach()
            self._run = None

    def _on_progress(self, percent: float) -> None:
        self.progress.setValue(int(percent))

    def _on_finished(self, name: str, ok: bool, results: dict, error: str,
                     cancelled: bool) -> None:
        self._set_running(False)
        warnings = self._run.feedback.warnings if self._run is not None else []
        self._run = None
        if cancelled:
            self.progress.setValue(0)
            self.set_status("Cancelled: nothing was written.")
            self._message(f"{RUNNING[self._mode][1]} cancelled; nothing was written.",
                          Qgis.Info)
            return
        if not ok:
            self._fail(error)
            return
        try:
            added = self._added(results, name)
        except Exception as exc:  # noqa: BLE001 (a slot: nothing may reach QGIS as a traceback)
            self._fail(task_error_message(exc))
            return
        self.progress.setValue(100)
        note = (f" {len(warnings)} warning(s) in the log panel (Sardine tab): {warnings[-1]}"
                if warnings else "")
        took = (f" in {results[alg.SECONDS]:.1f} s on {results[alg.RAN_ON]}"
                if results.get(alg.RAN_ON) else "")
        self.set_status(f"Done{took}: added {added}.{note}")
        self._message(f"Added {added}.", Qgis.Success)

    def _added(self, results: dict, name: str) -> str:
        """Put a translation's outputs on the map (a change run's group is already there:
        the algorithm added it); say what was added."""
        project = QgsProject.instance()
        if self._mode == "change":
            group = change_group(project, results[change_alg.GROUP])
            return (f"the group '{group.name()}' ("
                    + ", ".join(node.name() for node in group.findLayers()) + ")")
        added = add_results(project, results[alg.OUTPUT], name,
                            results.get(alg.DISTORTION_OUTPUT), results.get(alg.TRUST_OUTPUT))
        extras = [what for what, layer in (("its distortion mask", added.distortion),
                                           ("its trust layer", added.trust)) if layer]
        return f"'{added.optical.name()}'" + (" and " + " and ".join(extras) if extras else "")

    # --- feedback to the analyst ----------------------------------------------------------
    def set_status(self, text: str) -> None:
        """The status line, wrapping inside long file names too (a Sentinel-1 name is one
        60-character word), so it never widens the dock past 300 px."""
        self.status.setText(LONG_WORD.sub(
            lambda m: re.sub(r"([_/\\.-])", "\\1\u200b", m.group(0)), text))

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and not self._missing)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)

    def _fail(self, message: str) -> None:
        self.progress.setValue(0)
        self.set_status(message)
        self._message(message, Qgis.Critical)

    def _message(self, text: str, level: Qgis.MessageLevel) -> None:
        """The message bar cuts text at about two lines: a long message shows its start
        there, all of it behind "Show more", and always in the log (Sardine tab)."""
        if level == Qgis.Critical:
            QgsMessageLog.logMessage(text, LOG_TAG, Qgis.Critical)
        if self.iface is None:
            return
        duration = 0 if level == Qgis.Critical else 6
        bar = self.iface.messageBar()
        if len(text) <= MESSAGE_CHARS and "\n" not in text:
            bar.pushMessage("Sardine", text, level, duration)
            return
        short = text.splitlines()[0][:MESSAGE_CHARS].rsplit(" ", 1)[0] + "…"
        bar.pushMessage("Sardine", short, text, level, duration)
