"""The plugin in a real QGIS (pytest-qgis): it loads, adds its menu entry, toolbar button,
dock and provider, unloads without leaving anything behind, loads again, and loads (and
says what to install) when torch or rasterio are missing."""
from __future__ import annotations

import importlib
import sys
from unittest.mock import MagicMock

import pytest
import sardine
from qgis.core import QgsApplication
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QEvent
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from sardine.processing import dependencies


def _registry_ids() -> set[str]:
    return {p.id() for p in QgsApplication.processingRegistry().providers()}


def _sardine_docks(qgis_iface) -> list[QDockWidget]:
    return [d for d in qgis_iface.mainWindow().findChildren(QDockWidget, "SardineDock")
            if not sip.isdeleted(d)]


IFACE_CALLS = ("addPluginToRasterMenu", "removePluginRasterMenu", "addRasterToolBarIcon",
               "removeRasterToolBarIcon", "addDockWidget", "removeDockWidget")


@pytest.fixture
def iface(qgis_iface, monkeypatch):
    """The pytest-qgis interface with the calls the plugin makes recorded."""
    for name in IFACE_CALLS:
        monkeypatch.setattr(qgis_iface, name, MagicMock(name=name))
    return qgis_iface


def _load(qgis_iface):
    for name in IFACE_CALLS:
        getattr(qgis_iface, name).reset_mock()
    plugin = sardine.classFactory(qgis_iface)
    plugin.initGui()
    return plugin


def _unload(plugin) -> None:
    plugin.unload()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)  # runs the deleteLater()s


def test_class_factory_returns_the_plugin(qgis_iface):
    from sardine.plugin import SardinePlugin

    plugin = sardine.classFactory(qgis_iface)
    assert isinstance(plugin, SardinePlugin)
    assert plugin.iface is qgis_iface


def test_init_gui_adds_menu_toolbar_dock_and_provider(iface):
    plugin = _load(iface)
    try:
        iface.addPluginToRasterMenu.assert_called_once_with("&Sardine", plugin.action)
        iface.addRasterToolBarIcon.assert_called_once_with(plugin.action)
        assert "Sardine" in plugin.action.text()
        assert not plugin.action.icon().isNull()
        assert plugin.dock is None and _sardine_docks(iface) == []  # not before it is opened
        iface.addDockWidget.assert_not_called()
        assert "sardine" in _registry_ids()
        registry = QgsApplication.processingRegistry()
        assert registry.algorithmById("sardine:translate") is not None
        assert registry.algorithmById("sardine:distortion_mask") is not None
        plugin.action.trigger()  # the toolbar button / menu entry opens the dock
        assert _sardine_docks(iface) == [plugin.dock]
        iface.addDockWidget.assert_called_once()
        assert not plugin.dock.isHidden() and plugin.action.isChecked()
    finally:
        _unload(plugin)


def test_unload_removes_everything_and_reloads(iface):
    for _cycle in range(2):
        plugin = _load(iface)
        plugin.action.trigger()
        action = plugin.action
        _unload(plugin)
        iface.removePluginRasterMenu.assert_called_once_with("&Sardine", action)
        iface.removeRasterToolBarIcon.assert_called_once_with(action)
        assert iface.removeDockWidget.call_count == 1
        assert _sardine_docks(iface) == []
        assert sip.isdeleted(action)
        assert "sardine" not in _registry_ids()
        assert QgsApplication.processingRegistry().algorithmById("sardine:translate") is None


def test_init_processing_alone_registers_provider_once():
    """What ``qgis_process`` does: no iface, no GUI, just the provider."""
    plugin = sardine.classFactory(None)
    plugin.initProcessing()
    plugin.initProcessing()
    try:
        assert [p for p in QgsApplication.processingRegistry().providers()
                if p.id() == "sardine"] == [plugin.provider]
    finally:
        plugin.unload()
    assert "sardine" not in _registry_ids()


@pytest.fixture
def without_engine(monkeypatch):
    """Simulate a QGIS whose Python has neither torch nor rasterio, and a fresh import of
    the plugin's own modules (so nothing imported earlier hides a top-level import).
    Everything, parent packages' attributes included, is put back afterwards."""
    for name in ("torch", "rasterio"):
        monkeypatch.setitem(sys.modules, name, None)
    for name in list(sys.modules):
        if name.startswith(("sardine.plugin", "sardine.ui", "sardine.processing",
                            "sardine.core.translate", "sardine.core.bundled",
                            "sardine.core.models", "sardine.core.weights")):
            parent, _, child = name.rpartition(".")
            if hasattr(sys.modules.get(parent), child):
                monkeypatch.setattr(sys.modules[parent], child, getattr(sys.modules[parent],
                                                                        child))
            monkeypatch.delitem(sys.modules, name)


def test_plugin_loads_without_torch_and_dock_says_what_to_install(iface, without_engine):
    plugin = _load(iface)
    try:
        assert "sardine" in _registry_ids()
        plugin.action.trigger()
        missing = plugin.dock.refresh_environment()
        assert [m.name for m in missing] == ["rasterio"]  # ONNX Runtime: no torch needed
        text = plugin.dock.banner.text()
        deps = importlib.import_module("sardine.processing.dependencies")
        command = deps.install_command(missing)
        assert "rasterio" in text and command in text
        assert command.startswith(deps.qgis_python())
        assert " -m pip install " in command and "rasterio==1.4.4" in command
        assert "scipy" not in command and "torch" not in command  # only what is missing
        assert plugin.dock.install.isVisibleTo(plugin.dock)
        assert plugin.dock.banner.isVisibleTo(plugin.dock)
        assert not plugin.dock.run_button.isEnabled()
        # Defect 5 of issue 17: picking a layer said "Ready." with Run disabled.
        plugin.dock.form.sar_combo.layerChanged.emit(None)
        assert "Install the missing" in plugin.dock.status.text()
        assert "GPU (none found)" in [plugin.dock.form.device_combo.itemText(i)
                                      for i in range(plugin.dock.form.device_combo.count())]
    finally:
        _unload(plugin)


def test_install_command_targets_qgis_python(monkeypatch, tmp_path):
    """Inside QGIS ``sys.executable`` is the qgis binary: find the real interpreter."""
    fake_python = tmp_path / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    fake_python.parent.mkdir()
    fake_python.write_text("")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "qgis"))
    monkeypatch.setattr(sys, "exec_prefix", str(tmp_path))
    missing = [dependencies.MissingPackage("safetensors", "safetensors", "absent")]
    assert dependencies.install_command(missing).startswith(f"{fake_python} -m pip install")
    assert " safetensors==0.8.0 " in dependencies.install_command(missing)
