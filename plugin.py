"""The QGIS plugin: a Raster-menu entry and toolbar button that open the dock, and the
Processing provider.

Nothing heavy loads with QGIS: the provider lists models without reading them (no torch),
and the dock (with its package and GPU checks) is built the first time the analyst opens
Sardine, so QGIS starts as fast as without it and never shows the dock unasked.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QAction

from .processing.icons import icon
from .processing.provider import SardineProvider

if TYPE_CHECKING:
    from qgis.gui import QgisInterface

    from .ui.dock import SardineDock

MENU = "&Sardine"


class SardinePlugin:
    """Created by ``classFactory``. ``iface`` is None under ``qgis_process``, which only
    calls ``initProcessing``."""

    def __init__(self, iface: QgisInterface | None) -> None:
        self.iface = iface
        self.provider: SardineProvider | None = None
        self.action: QAction | None = None
        self.dock: SardineDock | None = None

    def initProcessing(self) -> None:  # noqa: N802 (QGIS's name)
        """Register the provider (QGIS desktop and ``qgis_process``)."""
        if self.provider is None:
            provider = SardineProvider()
            # The registry deletes a provider whose id is taken (another copy of Sardine).
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider
            else:
                QgsMessageLog.logMessage("Another Sardine provider is already registered; "
                                         "this copy's algorithms are not added.", "Sardine",
                                         Qgis.Warning)

    def initGui(self) -> None:  # noqa: N802 (QGIS's name)
        """Menu entry, toolbar button and provider; the dock waits for the first click."""
        self.initProcessing()
        main_window = self.iface.mainWindow()
        self.action = QAction(icon("sardine.svg"), "Sardine: SAR to optical…", main_window)
        self.action.setObjectName("SardineAction")
        self.action.setToolTip("Translate a Sentinel-1 SAR layer (and a DEM) into an "
                               "optical-looking RGB layer")
        self.action.setCheckable(True)
        self.action.triggered.connect(self._open_first_time)
        self.iface.addPluginToRasterMenu(MENU, self.action)
        self.iface.addRasterToolBarIcon(self.action)

    def _open_first_time(self) -> None:
        """Build the dock, show it, and hand the action over to it (it toggles from now)."""
        from .ui.dock import SardineDock

        self.action.triggered.disconnect(self._open_first_time)
        self.dock = SardineDock(self.iface, self.iface.mainWindow())
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.setToggleVisibilityAction(self.action)
        self.dock.setUserVisible(True)
        self.action.setChecked(True)

    def unload(self) -> None:
        """Remove the menu entry, toolbar button, dock and provider; cancel a running task."""
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginRasterMenu(MENU, self.action)
            self.iface.removeRasterToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
