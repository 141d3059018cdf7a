"""Run a Processing algorithm in a ``QgsTask`` so QGIS stays responsive, and report back
in the main thread: progress, then one ``finished`` with the results or the error text."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsProcessingAlgorithm,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal, pyqtSlot

LOG_TAG = "Sardine"


class RunFeedback(QgsProcessingFeedback):
    """Keeps the errors and warnings of a run (they arrive from the worker thread) and
    copies everything to the "Sardine" tab of the log panel."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
        self.errors.append(error)
        QgsMessageLog.logMessage(error, LOG_TAG, Qgis.Critical)
        super().reportError(error, fatalError)

    def pushWarning(self, warning: str) -> None:  # noqa: N802
        self.warnings.append(warning)
        QgsMessageLog.logMessage(warning, LOG_TAG, Qgis.Warning)
        super().pushWarning(warning)

    def pushInfo(self, info: str) -> None:  # noqa: N802
        QgsMessageLog.logMessage(info, LOG_TAG, Qgis.Info)
        super().pushInfo(info)


class AlgorithmRun(QObject):
    """One background run of ``algorithm`` with ``parameters``.

    ``progress(percent)`` and ``finished(ok, results, error, cancelled)`` are emitted in the
    main thread. The task uses this object's context and feedback until it ends, so a
    started run keeps itself alive (in ``_active``) until then, even if the dock that
    started it is gone (plugin unloaded mid-run).
    """

    progress = pyqtSignal(float)
    finished = pyqtSignal(bool, dict, str, bool)
    _active: set[AlgorithmRun] = set()

    def __init__(self, algorithm: QgsProcessingAlgorithm, parameters: dict[str, Any]) -> None:
        super().__init__()
        self.parameters = parameters
        self.context = QgsProcessingContext()
        self.context.setProject(QgsProject.instance())
        self.feedback = RunFeedback()
        self.feedback.progressChanged.connect(self._on_progress)
        self._task: QgsProcessingAlgRunnerTask | None = QgsProcessingAlgRunnerTask(
            algorithm, parameters, self.context, self.feedback)
        self._task.executed.connect(self._on_executed)
        # The runner cancels its own feedback when the algorithm fails to prepare: only a
        # cancel after that (Cancel button, or the task manager's) counts as the user's.
        self._prepared = not self.feedback.isCanceled()
        self.running = False

    @property
    def prepared(self) -> bool:
        """False when the algorithm refused the run while preparing (its one validation,
        done here in the main thread): then ``error`` says why and nothing may start."""
        return self._prepared

    @property
    def error(self) -> str:
        return self.feedback.errors[-1] if self.feedback.errors else ""

    def start(self) -> None:
        """Hand the task to QGIS's task manager (it shows in the status bar too)."""
        self.running = True
        AlgorithmRun._active.add(self)
        QgsApplication.taskManager().addTask(self._task)

    def detach(self) -> None:
        """Stop reporting to whoever listened (the dock is going away) and cancel."""
        for signal in (self.progress, self.finished):
            try:
                signal.disconnect()
            except TypeError:  # nothing connected
                pass
        self.cancel()

    def cancel(self) -> None:
        """Ask the algorithm to stop at its next check; ``finished`` follows."""
        self.feedback.cancel()

    @pyqtSlot(float)
    def _on_progress(self, percent: float) -> None:
        self.progress.emit(percent)

    @pyqtSlot(bool, "QVariantMap")
    def _on_executed(self, ok: bool, results: dict) -> None:
        self.running = False
        self._task = None  # the task manager deletes it
        cancelled = self._prepared and self.feedback.isCanceled()
        ok = ok and not self.feedback.isCanceled()
        error = "" if ok else (self.feedback.errors[-1] if self.feedback.errors else
                               "The algorithm stopped without a message; see the log.")
        try:
            self.finished.emit(ok, dict(results or {}), error, cancelled)
        finally:
            AlgorithmRun._active.discard(self)
