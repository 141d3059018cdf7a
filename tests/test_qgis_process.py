"""The algorithms through ``qgis_process`` as a subprocess, as a script or CI job runs them.

``qgis_process`` loads plugins from the active profile, so each test gets a throwaway QGIS
configuration folder (``QGIS_CUSTOM_CONFIG_PATH``) whose ``python/plugins/sardine`` is a
symlink to this repository and whose ``QGIS3.ini`` enables it. Debian's
``/usr/bin/qgis_process`` wrapper passes ``--noversioncheck``, which 3.22 rejects, so the
binary is called directly.
"""
from __future__ import annotations

import json
import os
import subprocess
import sysconfig
from pathlib import Path

import pytest
from conftest import ROOT
from qgis.core import QgsRasterLayer
from support import HEIGHT, QGIS_PROCESS, WIDTH, qgis_profile_with_sardine

pytestmark = pytest.mark.skipif(not Path(QGIS_PROCESS).is_file(),
                                reason="qgis_process.bin is not installed")


@pytest.fixture
def qgis_process(tmp_path):
    """Run ``qgis_process.bin --json ARGS`` with Sardine installed in a fresh profile."""
    config = qgis_profile_with_sardine(tmp_path, ROOT)
    env = {k: v for k, v in os.environ.items() if k not in ("QGIS_OPTIONS_PATH",)}
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen",
               XDG_RUNTIME_DIR=str(tmp_path / "runtime"), PYTHONDONTWRITEBYTECODE="1",
               # QGIS runs the system Python: give it this environment's packages (torch...)
               PYTHONPATH=os.pathsep.join(filter(None, (sysconfig.get_paths()["purelib"],
                                                        env.get("PYTHONPATH")))))
    (tmp_path / "runtime").mkdir(mode=0o700)

    def run(*args: str) -> dict:
        proc = subprocess.run([QGIS_PROCESS, "--json", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{args[:2]} failed:\n{proc.stdout}\n{proc.stderr}"
        return json.loads(proc.stdout[proc.stdout.index("{"):])

    return run


def _same_grid(path: Path, reference: Path) -> None:
    layer, ref = QgsRasterLayer(str(path), "out"), QgsRasterLayer(str(reference), "ref")
    assert layer.isValid()
    assert layer.crs() == ref.crs()
    assert layer.extent() == ref.extent()
    assert (layer.width(), layer.height()) == (WIDTH, HEIGHT)


def test_distortion_mask_with_qgis_process(qgis_process, scene, tmp_path):
    out = tmp_path / "mask.tif"
    result = qgis_process("run", "sardine:distortion_mask", "--",
                          f"DEM={scene.dem}", f"TARGET={scene.sar}", "INCIDENCE=39", "HEADING=350",
                          f"OUTPUT={out}")
    assert Path(result["results"]["OUTPUT"]) == out
    _same_grid(out, scene.sar)
    assert QgsRasterLayer(str(out), "mask").renderer().type() == "paletted"


def test_translate_with_qgis_process(qgis_process, scene, fusion_weights, tmp_path):
    out = tmp_path / "optical.tif"
    result = qgis_process("run", "sardine:translate", "--",
                          f"SAR={scene.sar}", "VV_BAND=2", "VH_BAND=1", f"DEM={scene.dem}",
                          f"WEIGHTS={fusion_weights}", "DEVICE=cpu", "TILE=64", "OVERLAP=8",
                          f"OUTPUT={out}")
    assert Path(result["results"]["OUTPUT"]) == out
    _same_grid(out, scene.sar)
    assert QgsRasterLayer(str(out), "optical").renderer().type() == "multibandcolor"
