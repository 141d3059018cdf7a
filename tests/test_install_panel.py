"""The dock's *Install* button running the real pip for QGIS's Python, offline from local
wheels (``SARDINE_WHEELHOUSE``: the pinned ONNX Runtime wheels, e.g. fetched once with
``python3 -m pip download --no-deps --only-binary=:all: -d DIR <processing/installer.py's
ONNXRUNTIME list>``). Without it the test is skipped: tests use no network."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

WHEELHOUSE = os.environ.get("SARDINE_WHEELHOUSE", "")
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(not (WHEELHOUSE and Path(SYSTEM_PYTHON).is_file()),
                    reason="needs SARDINE_WHEELHOUSE (the pinned wheels; tests use no network)")
def test_install_button_installs_onnxruntime_into_the_profile(qgis_app, tmp_path, monkeypatch):
    from sardine.core.onnx_model import ORT_REQUIREMENT
    from sardine.processing import dependencies, installer
    from sardine.ui import install_panel
    from sardine.ui.install_panel import InstallPanel

    monkeypatch.setattr(dependencies, "profile_dir", lambda: tmp_path)
    monkeypatch.setattr(install_panel, "profile_dir", lambda: tmp_path)
    monkeypatch.setattr(installer, "qgis_python", lambda: SYSTEM_PYTHON)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", WHEELHOUSE)
    results: list[bool] = []
    panel = InstallPanel(results.append)
    panel.set_missing([dependencies.MissingPackage("onnxruntime", ORT_REQUIREMENT, "absent")])
    assert not panel.isHidden()
    assert SYSTEM_PYTHON in panel.button.toolTip() and ORT_REQUIREMENT in panel.button.toolTip()
    panel.button.click()
    assert panel.process is not None and not panel.button.isEnabled()
    assert panel.process.waitForFinished(300_000)
    qgis_app.processEvents()
    assert results == [True], panel.line.text()
    assert panel.line.text().startswith("Installed.")
    target = panel.plan.target
    assert (target / "onnxruntime").is_dir() and not (target / "numpy").exists()
    check = ("import sys; sys.path.append(sys.argv[1]); import numpy; "
             "from osgeo import gdal_array; import onnxruntime; "
             "assert numpy.__file__.startswith('/usr/'), numpy.__file__; "
             "gdal_array.OpenArray(numpy.zeros((2, 2), 'uint8'))")
    subprocess.run([SYSTEM_PYTHON, "-c", check, str(target)], check=True, timeout=120,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
