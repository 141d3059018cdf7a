"""The QGIS side reads in one direction: core <- processing <- ui <- plugin, never back;
and loading the plugin (``classFactory``, ``initGui``, ``initProcessing``) imports nothing
heavy, so QGIS starts as fast as without Sardine (issue 17, defect 3).

(``tests/test_layering.py`` holds the general core/training rules.)"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the packages it must never import (relative or as sardine.X).
FORBIDDEN = {"processing": {"ui", "plugin"}, "ui": {"plugin"},
             "core": {"processing", "ui", "plugin"}}
HEAVY = ("torch", "rasterio", "scipy", "safetensors")


def _imported_packages(path: Path) -> set[str]:
    """Top-level Sardine packages a module imports (``from ..ui import x`` -> ``ui``)."""
    package_depth = len(path.relative_to(ROOT).parts) - 1
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb to the package root, then the first name
                climbed = package_depth - (node.level - 1)
                parts = list(path.relative_to(ROOT).parts[:climbed])
                parts += (node.module or "").split(".") if node.module else []
                if not node.module and climbed == 0:
                    parts += [alias.name for alias in node.names]
                if parts:
                    found.add(parts[0])
            elif node.module and node.module.startswith("sardine."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("sardine."))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package):
    offending = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imported_packages(path) & FORBIDDEN[package]
        if bad:
            offending[str(path.relative_to(ROOT))] = sorted(bad)
    assert offending == {}, f"{package}/ imports against the direction: {offending}"


def test_the_scanner_sees_relative_imports():
    assert _imported_packages(ROOT / "ui" / "dock.py") >= {"processing", "core"}
    assert "processing" in _imported_packages(ROOT / "plugin.py")


LOAD_SCRIPT = """
import json, sys
from qgis.core import QgsApplication
from unittest.mock import MagicMock
from qgis.PyQt.QtWidgets import QMainWindow
app = QgsApplication([], True)
app.initQgis()
window = QMainWindow()
iface = MagicMock()  # what QGIS hands the plugin: menus, toolbars, docks of a main window
iface.mainWindow.return_value = window
import sardine
plugin = sardine.classFactory(iface)
plugin.initProcessing()
plugin.initGui()
registry = QgsApplication.processingRegistry()
print(json.dumps({"heavy": sorted(m for m in %r if m in sys.modules),
                  "algorithms": sorted(a.id() for a in
                                       registry.providerById("sardine").algorithms()),
                  "dock": plugin.dock is not None}))
plugin.unload()
"""


def test_loading_the_plugin_imports_nothing_heavy(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1",
               HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", LOAD_SCRIPT % (HEAVY,)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded["algorithms"] == ["sardine:adapt", "sardine:change", "sardine:distortion_mask",
                                   "sardine:translate"]
    assert loaded["heavy"] == [] and loaded["dock"] is False
