"""The dock's *Install* button: runs the installer's pip command for QGIS's Python in a
QProcess (QGIS stays responsive), shows pip's output line by line with a busy bar, and on
success puts the package folder on ``sys.path`` so the dock can re-check at once."""
from __future__ import annotations

import importlib
from collections.abc import Callable

from qgis.PyQt.QtCore import QProcess, QProcessEnvironment
from qgis.PyQt.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ..processing.dependencies import MissingPackage, install_plan, profile_dir
from ..processing.installer import InstallPlan, add_to_path, child_environment


class InstallPanel(QWidget):
    """Hidden unless packages are missing; ``on_done(ok)`` is called when pip ends."""

    def __init__(self, on_done: Callable[[bool], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.on_done = on_done
        self.plan: InstallPlan | None = None
        self.process: QProcess | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton("Install")
        self.button.clicked.connect(self.start)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # pip gives no percentage: a busy indicator
        self.busy.hide()
        self.line = QLabel()
        self.line.setWordWrap(True)
        for widget in (self.button, self.busy, self.line):
            layout.addWidget(widget)
        self.hide()

    def set_missing(self, missing: list[MissingPackage]) -> None:
        self.plan = install_plan(missing) if missing else None
        if self.plan is not None:
            self.button.setToolTip(self.plan.shell())
            self.button.setText(f"Install {', '.join(m.name for m in missing)} for QGIS")
        self.setVisible(self.plan is not None)

    def start(self) -> None:
        if self.plan is None or self.process is not None:
            return
        self.plan.target.mkdir(parents=True, exist_ok=True)
        process = QProcess(self)
        env = QProcessEnvironment()
        for key, value in child_environment().items():
            env.insert(key, value)
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.MergedChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        command = self.plan.command()
        self.process = process
        self.button.setEnabled(False)
        self.busy.show()
        self.line.setText(f"Running: {self.plan.shell()}")
        process.start(command[0], command[1:])

    def _read(self) -> None:
        if self.process is None:
            return
        text = bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        lines = [line for line in text.splitlines() if line.strip()]
        if lines:
            self.line.setText(lines[-1])

    def _finished(self, code: int, _status: object = None) -> None:
        self.process = None
        self.busy.hide()
        self.button.setEnabled(True)
        ok = code == 0
        if ok:
            add_to_path(profile_dir())
            importlib.invalidate_caches()
            self.line.setText("Installed. If Sardine still reports a package missing, "
                              "restart QGIS.")
        else:
            self.line.setText(f"pip failed (exit code {code}); see the last line above, or "
                              "run the command in a terminal.")
        self.on_done(ok)
