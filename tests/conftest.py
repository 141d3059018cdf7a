"""Shared fixtures. pytest-qgis starts one QgsApplication (offscreen) for the session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
import sardine
import support
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer, QgsSettings
from qgis.PyQt.QtCore import QEvent
from qgis.PyQt.QtWidgets import QApplication

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
SARDINE = Path(sys.executable).parent / "sardine"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600,
            check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed ``sardine`` console script as a user would."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([str(SARDINE), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"sardine {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def one_torch_thread():
    """Two shared cores: a second intra-op thread mostly spins waiting (10x slower here)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def weights(tmp_path_factory) -> Path:
    return support.save_tiny(tmp_path_factory.mktemp("weights") / "tiny-late.safetensors")


@pytest.fixture(scope="session")
def weights_sar_only(tmp_path_factory) -> Path:
    return support.save_tiny(tmp_path_factory.mktemp("weights") / "tiny-sar.safetensors",
                             "sardinet")


# --- QGIS: a scene in two CRSs, its weights, Processing, the provider, the dock ---

@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> SimpleNamespace:
    return support.make_two_crs_scene(tmp_path_factory.mktemp("scene"))


@pytest.fixture(scope="module")
def fusion_weights(tmp_path_factory) -> Path:
    return support.save_tiny(tmp_path_factory.mktemp("weights") / "tiny-late.safetensors")


@pytest.fixture(scope="module")
def qgis_processing_module(qgis_app) -> ModuleType:
    """QGIS's ``processing`` package, initialised. ``python -m pytest`` from the repository
    root puts the root first on ``sys.path``, where ``processing/`` is Sardine's own
    subpackage; QGIS's plugins folder has to come first for ``import processing``."""
    plugins_dir = os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")
    stale = sys.modules.get("processing")
    if stale is not None and not str(getattr(stale, "__file__", "")).startswith(plugins_dir):
        del sys.modules["processing"]
    sys.path.insert(0, plugins_dir)
    try:
        from processing.core.Processing import Processing

        import processing
    finally:
        sys.path.remove(plugins_dir)
    Processing.initialize()
    return processing


@pytest.fixture(scope="module")
def provider(qgis_processing_module):
    """The Sardine provider registered the way QGIS does it (``initProcessing``)."""
    plugin = sardine.classFactory(None)
    plugin.initProcessing()
    yield plugin.provider
    plugin.unload()


@pytest.fixture
def clean_settings():
    QgsSettings().remove("sardine")
    yield
    QgsSettings().remove("sardine")


@pytest.fixture
def dock(qgis_iface, qgis_new_project, clean_settings):
    """The plugin loaded as QGIS does it, its dock's environment checked."""
    qgis_iface.messageBar().clear_messages()
    plugin = sardine.classFactory(qgis_iface)
    plugin.initGui()
    plugin.action.trigger()  # the dock is built when the analyst first opens it
    plugin.dock.refresh_environment()
    yield plugin.dock
    plugin.unload()
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)


@pytest.fixture
def layers(scene, qgis_new_project):
    sar = QgsRasterLayer(str(scene.sar), "Sentinel-1 VH VV")
    dem = QgsRasterLayer(str(scene.dem), "DEM (WGS84)")
    assert sar.isValid() and dem.isValid() and sar.crs() != dem.crs()
    QgsProject.instance().addMapLayers([sar, dem])
    return sar, dem
