"""Translation with ONNX weights needs no PyTorch: ``sardine translate`` and the Processing
algorithm (through ``qgis_process``, which loads the plugin) run in a subprocess where
``import torch`` fails, and no module even tries to import it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import numpy as np
import pytest
import rasterio
from conftest import ROOT, SARDINE
from support import HEIGHT, QGIS_PROCESS, WIDTH, qgis_profile_with_sardine

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

BLOCKER = '''
import os, sys
class _NoTorch:
    """As if torch were not installed; every attempt is logged for the test."""
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            with open(os.environ["SARDINE_TORCH_LOG"], "a") as log:
                log.write(name + "\\n")
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoTorch())
'''


@pytest.fixture
def no_torch(tmp_path) -> tuple[dict[str, str], Path]:
    folder = tmp_path / "no-torch"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(BLOCKER)
    log = tmp_path / "torch-imports.log"
    log.touch()
    env = dict(os.environ, SARDINE_TORCH_LOG=str(log), PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(folder), env.get("PYTHONPATH"))))
    return env, log


@pytest.fixture(scope="module")
def onnx_weights(fusion_weights, tmp_path_factory) -> Path:  # noqa: F811
    from sardine.training.export_onnx import export_onnx

    out = tmp_path_factory.mktemp("onnx") / "tiny-late.onnx"
    return export_onnx(fusion_weights, out).path


def _sardine(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SARDINE), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_cli_translates_onnx_weights_without_torch(no_torch, scene, onnx_weights,  # noqa: F811
                                                   tmp_path):
    env, log = no_torch
    out = tmp_path / "optical.tif"
    proc = _sardine(env, "translate", "--sar", str(scene.sar), "--sar-bands", "2,1",
                    "--dem", str(scene.dem), "--model", str(onnx_weights), "--tile", "64",
                    "--overlap", "8", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    with rasterio.open(out) as src:
        assert (src.width, src.height, src.count) == (WIDTH, HEIGHT, 3)
        assert np.ptp(src.read(1)) > 0


def test_engine_never_tries_to_import_torch(no_torch, scene, onnx_weights,  # noqa: F811
                                            tmp_path):
    """Not even a guarded import: the log of the blocker stays empty (the CLI, by contrast,
    probes every subcommand's imports to list them)."""
    env, log = no_torch
    out = tmp_path / "optical.tif"
    script = (
        "import sys\n"
        "from sardine.core.translate import TranslateParams, translate\n"
        f"translate(TranslateParams(sar_path={str(scene.sar)!r}, dem_path={str(scene.dem)!r},"
        f" model={str(onnx_weights)!r}, out_path={str(out)!r}, sar_bands=(2, 1), tile=64,"
        " overlap=8))\n"
        "assert not any(m.split('.')[0] == 'torch' for m in sys.modules)\n")
    python = Path(SARDINE).parent / "python"
    proc = subprocess.run([str(python), "-c", script], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and log.read_text() == ""


def test_torch_only_paths_say_what_to_install(no_torch, scene, fusion_weights,  # noqa: F811
                                              tmp_path):
    env, _ = no_torch
    proc = _sardine(env, "translate", "--sar", str(scene.sar), "--dem", str(scene.dem),
                    "--model", str(fusion_weights), "--runtime", "torch",
                    "--out", str(tmp_path / "o.tif"))
    assert proc.returncode == 1 and "PyTorch is not installed" in proc.stderr
    assert "sardine export" in proc.stderr and not (tmp_path / "o.tif").exists()
    proc = _sardine(env, "export", "--weights", str(fusion_weights))
    assert proc.returncode == 1
    assert proc.stderr.startswith("sardine export: error:") and "torch" in proc.stderr


def test_models_lists_the_bundled_weights_without_torch(no_torch):
    env, _ = no_torch
    proc = _sardine(env, "models")
    assert proc.returncode == 0, proc.stderr
    assert "No model table: the model table needs PyTorch" in proc.stdout
    assert "sardinet-late" in proc.stdout  # a bundled weights row


@pytest.mark.skipif(not Path(QGIS_PROCESS).is_file(), reason="qgis_process is not installed")
def test_plugin_translates_in_qgis_without_torch(no_torch, scene, onnx_weights,  # noqa: F811
                                                 tmp_path):
    env, log = no_torch
    config = qgis_profile_with_sardine(tmp_path, ROOT)
    (tmp_path / "runtime").mkdir(mode=0o700)
    env = {k: v for k, v in env.items() if k != "QGIS_OPTIONS_PATH"}
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen",
               XDG_RUNTIME_DIR=str(tmp_path / "runtime"),
               PYTHONPATH=os.pathsep.join((env["PYTHONPATH"],
                                           sysconfig.get_paths()["purelib"])))
    out = tmp_path / "optical.tif"
    proc = subprocess.run(
        [QGIS_PROCESS, "--json", "run", "sardine:translate", "--", f"SAR={scene.sar}",
         "VV_BAND=2", "VH_BAND=1", f"DEM={scene.dem}", f"WEIGHTS={onnx_weights}",
         "TILE=64", "OVERLAP=8", f"OUTPUT={out}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    with rasterio.open(out) as src:
        assert (src.width, src.height) == (WIDTH, HEIGHT)
    assert log.read_text() == ""
    shutil.rmtree(config)
