"""``sardine translate`` as a user runs it: a subprocess with a progress bar."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import rasterio
from conftest import SARDINE, run_cli
from support import make_scene


def test_translate_cli(tmp_path, weights):
    sar, dem = make_scene(tmp_path, 128)
    out, mask = tmp_path / "out" / "optical.tif", tmp_path / "out" / "mask.tif"
    out.parent.mkdir()
    proc = run_cli("translate", "--sar", str(sar), "--dem", str(dem), "--model", str(weights),
                   "--out", str(out), "--tile", "64", "--overlap", "16", "--batch", "2",
                   "--device", "cpu", "--distortion-out", str(mask), "--incidence", "39",
                   "--heading", "190", cwd=tmp_path / "out", check=True)
    assert f"wrote {out}" in proc.stdout
    with rasterio.open(out) as o, rasterio.open(mask) as m, rasterio.open(sar) as s:
        assert o.transform == m.transform == s.transform and o.crs == m.crs == s.crs
        assert o.read().std() > 20
    assert sorted(p.name for p in out.parent.iterdir()) == ["mask.tif", "optical.tif"]


def test_translate_cli_refusal(tmp_path, weights):
    sar, _ = make_scene(tmp_path, 64)
    proc = run_cli("translate", "--sar", str(sar), "--model", str(weights),
                   "--out", str(tmp_path / "o.tif"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "sardine translate: error:" in proc.stderr and "No DEM was given" in proc.stderr
    assert not (tmp_path / "o.tif").exists()


def test_ctrl_c_cancels_cleanly(tmp_path, weights):
    sar, dem = make_scene(tmp_path, 448)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = {p.name: p.read_bytes() for p in (sar, dem)}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(
        [str(SARDINE), "translate", "--sar", str(sar), "--dem", str(dem), "--model",
         str(weights), "--out", str(out_dir / "o.tif"), "--tile", "64", "--overlap", "16",
         "--batch", "1", "--device", "cpu"], cwd=out_dir, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out_dir.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the temporary output appears once tiles are being written
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0, "the run finished before Ctrl-C; make the scene larger"
    assert "Cancelled" in stderr
    assert list(out_dir.iterdir()) == []
    assert {p.name: p.read_bytes() for p in (sar, dem)} == before


def test_without_model_the_bundled_one_that_fits_the_inputs_runs(tmp_path):
    sar, dem = make_scene(tmp_path, 96)
    for extra, expected in ((["--dem", str(dem)], "sardinet-late"), ([], "sardinet")):
        out = tmp_path / f"{expected}.tif"
        run_cli("translate", "--sar", str(sar), *extra, "--out", str(out), "--device", "cpu",
                cwd=tmp_path, check=True)
        with rasterio.open(out) as src:
            assert src.tags()["SARDINE_MODEL"] == expected
