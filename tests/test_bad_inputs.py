"""Bad or awkward input, class by class: whatever the input or the signal, the user gets an
exit status, exactly one line naming the problem (never a traceback), inputs stay
byte-identical and the output folder stays empty.

Most cases call the ``sardine`` entry point (``sardine.cli.main``) in this process, which
is what the console script runs, to keep the suite fast; what needs a real process (a
file-size limit, GDAL's own stderr) runs ``sardine`` as a subprocess. Cancelling (signals,
Ctrl-C while starting) is in test_cancel.py.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from conftest import SARDINE
from sardine.cli import main
from sardine.core.bundled import BUNDLED_DIR
from support import (
    UTM,
    env_no_bytecode,
    make_scene,
    one_line,
    sar_transform,
    sar_values,
    save_tiny,
    snapshot,
    write_raster,
)

TINY_CONFIG = {"conditioning_widths": [8, 16], "encoder_widths": [16, 32],
               "decoder_widths": [16, 8]}


# --- inputs ------------------------------------------------------------------------------

def _craft_weights(src: Path, dst: Path, meta=None, shape=None) -> Path:
    """A copy of ``src`` whose Sardine metadata (``meta(dict)``) or first tensor's declared
    shape (``shape(list)``) is altered; tensor bytes untouched."""
    raw = src.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + length])
    if meta is not None:
        data = json.loads(header["__metadata__"]["sardine"])
        meta(data)
        header["__metadata__"]["sardine"] = json.dumps(data)
    if shape is not None:
        name = next(k for k in sorted(header) if k != "__metadata__")
        header[name]["shape"] = shape(header[name]["shape"])
    block = json.dumps(header).encode()
    block += b" " * (-len(block) % 8)
    dst.write_bytes(len(block).to_bytes(8, "little") + block + raw[8 + length:])
    return dst


def _set_units(path: Path, unit: str) -> Path:
    with rasterio.open(path, "r+") as dst:
        dst.units = (unit,)
    return path


@pytest.fixture(scope="module")
def inp(tmp_path_factory) -> Path:
    """Every input of every case, in one folder whose bytes are checked after each case."""
    d = tmp_path_factory.mktemp("bad_inputs")
    sar, dem = make_scene(d, 64)
    w = save_tiny(d / "w.safetensors")
    t, sv = sar_transform(), sar_values(64, 64)
    with rasterio.open(dem) as src:
        heights = src.read()
    write_raster(d / "u8.tif", np.clip(-5 * sv, 0, 255).astype(np.uint8), UTM, t)
    write_raster(d / "x100.tif", (100 * sv).astype(np.int16), UTM, t)
    write_raster(d / "dn.tif", (3000 * 10 ** (sv / 20)).astype(np.uint16), UTM, t)
    write_raster(d / "void.tif", np.full((2, 64, 64), -9999, np.float32), UTM, t,
                 nodata=-9999.0)
    write_raster(d / "zeros.tif", np.zeros((2, 64, 64), np.float32), UTM, t)
    write_raster(d / "geo.tif", sv, "EPSG:4326", Affine(0.5, 0, 7.0, 0, -0.5, 45.0))
    with rasterio.open(d / "rgb.tif", "w", driver="GTiff", width=64, height=64, count=3,
                       dtype="uint16", crs=UTM, transform=t, photometric="RGB") as dst:
        dst.write(np.stack([np.clip(-10 * sv[0], 0, 255)] * 3).astype(np.uint16))
    write_raster(d / "s2.tif", np.full((2, 64, 64), 0.1, np.float32), UTM, t,
                 descriptions=("B04", "B03"))
    write_raster(d / "dem_cm.tif", heights * 100, UTM, t)
    _set_units(write_raster(d / "dem_ft.tif", heights * 3.28084, UTM, t), "ft")
    write_raster(d / "dem_small.tif", heights[:, :8, :8], UTM, t)
    write_raster(d / "dem_void.tif", np.full((1, 64, 64), -9999, np.float32), UTM, t,
                 nodata=-9999.0)
    write_raster(d / "dem_1px.tif", heights[:, :, :1], UTM, t)
    (d / "broken.tif").write_text("not a raster")
    _craft_weights(w, d / "neg_pixel.safetensors",
                   meta=lambda m: m.update(pixel_size_m=-10.0))
    _craft_weights(w, d / "tiny_pixel.safetensors",
                   meta=lambda m: m.update(pixel_size_m=0.01))
    _craft_weights(w, d / "huge.safetensors", meta=lambda m: m["config"].update(
        encoder_widths=[1 << 20, 1 << 20], decoder_widths=[1 << 20, 1 << 20]))
    _craft_weights(w, d / "bad_shape.safetensors", shape=lambda s: [2 * s[0], *s[1:]])
    write_raster(d / "one.tif", sv[:1], UTM, t)
    write_raster(d / "dem_complex.tif", heights.astype(np.complex64), UTM, t)
    _vrt_of_a_missing_file(sar, d / "gone.tif", d / "missing_source.vrt")
    (d / "model.onnx").write_bytes((BUNDLED_DIR / "sardinet.onnx").read_bytes())
    (d / "site").mkdir()
    (d / "site" / "pre_optical.tif").write_bytes(sar.read_bytes())
    (d / "data").mkdir()
    return d


def _vrt_of_a_missing_file(src: Path, gone: Path, vrt: Path) -> None:
    """A VRT whose only source file no longer exists (moved, or a broken download)."""
    from osgeo import gdal

    gone.write_bytes(src.read_bytes())
    gdal.BuildVRT(str(vrt), [str(gone)]).FlushCache()
    gone.unlink()


@pytest.fixture
def entry(monkeypatch):
    """Run ``sardine ARGS`` in this process; signal handlers and logging restored after."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    levels = {n: logging.getLogger(n).level for n in ("rasterio", "sardine")}
    yield main
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


# --- in-process cases: (id, argv with {i} = inputs folder and {o} = output folder,
#     status, phrases) ---------------------------------------------------------------------

T = ["translate", "--sar", "{i}/sar.tif", "--dem", "{i}/dem.tif", "--model",
     "{i}/w.safetensors", "--tile", "64", "--overlap", "16", "--device", "cpu"]
D = ["distortion", "--dem", "{i}/dem.tif", "--incidence", "39", "--heading", "190"]
TR = ["train", "--data", "{i}/data", "--epochs", "1", "--device", "cpu"]
AD = ["adapt", "--sar", "{i}/sar.tif", "--optical", "{i}/rgb.tif", "--dem", "{i}/dem.tif",
      "--base", "{i}/w.safetensors", "--device", "cpu"]
CH = ["change", "--pre-sar", "{i}/sar.tif", "--post-sar", "{i}/dn.tif", "--dem", "{i}/dem.tif",
      "--model", "{i}/w.safetensors", "--incidence", "39", "--heading", "190", "--tile", "64",
      "--overlap", "16", "--device", "cpu"]


def _t(*extra: str, out: str = "{o}/out.tif") -> list[str]:
    return [*T, "--out", out, *extra]


def _swap(args: list[str], flag: str, value: str) -> list[str]:
    args = list(args)
    args[args.index(flag) + 1] = value
    return args


CASES = [
    # unwritable outputs
    ("out-under-proc", _t(out="/proc/sardine-out.tif"), 1, ["Cannot write to the output"]),
    ("out-name-too-long", _t(out="{o}/" + "a" * 300 + ".tif"), 1, ["longer than the file"]),
    ("out-under-a-file", _t(out="{i}/sar.tif/out.tif"), 1, ["which is a file, not a folder"]),
    ("out-folder-missing", _t(out="{o}/missing/out.tif"), 1, ["does not exist"]),
    ("out-is-input", _t(out="{i}/dem.tif"), 1, ["also an input"]),
    ("out-not-geotiff", _t(out="{o}/out.png"), 1, ["must be a GeoTIFF"]),
    ("out-empty", _t(out=""), 2, ["--out: the value is empty"]),
    ("out-is-a-folder", _t(out="{o}"), 1, ["not a file name"]),
    ("distortion-out-is-out", _t("--distortion-out", "{o}/out.tif", "--incidence", "39",
                                 "--heading", "190"), 1, ["its own file name"]),
    # numbers
    ("threads-negative", _t("--threads", "-2"), 1, ["thread count -2"]),
    ("tile-small-default-overlap", _swap(_swap(_t(), "--tile", "64"), "--overlap", "64"), 1,
     ["tile size 64 is too small", "overlap of 64"]),
    ("batch-negative", _t("--batch", "-1"), 1, ["batch size -1"]),
    ("heading-inf", _t("--distortion-out", "{o}/m.tif", "--incidence", "39", "--heading",
                       "inf"), 1, ["not a finite angle"]),
    # weights
    ("model-is-a-folder", _swap(_t(), "--model", "{i}"), 1, ["is a folder, not a weights"]),
    ("weights-negative-pixel", _swap(_t(), "--model", "{i}/neg_pixel.safetensors"), 1,
     ["impossible values", "pixel size"]),
    ("weights-huge-widths", _swap(_t(), "--model", "{i}/huge.safetensors"), 1,
     ["does not match model"]),
    ("weights-shape-vs-bytes", _swap(_t(), "--model", "{i}/bad_shape.safetensors"), 1,
     ["declares shape"]),
    ("weights-tiny-pixel-grid", _swap(_t(), "--model", "{i}/tiny_pixel.safetensors"), 1,
     ["would need", "Mpixels"]),
    # SAR plausibility
    ("sar-8bit", _swap(_t(), "--sar", "{i}/u8.tif"), 1, ["8-bit"]),
    ("sar-db-times-100", _swap(_t(), "--sar", "{i}/x100.tif"), 1, ["scaled by 100"]),
    ("sar-digital-numbers", _swap(_t(), "--sar", "{i}/dn.tif"), 1, ["Calibrate"]),
    ("sar-optical-image", _swap(_t(), "--sar", "{i}/rgb.tif"), 1, ["colour image"]),
    ("sar-sentinel2-reflectance", _swap(_t(), "--sar", "{i}/s2.tif"), 1, ["B04, B03"]),
    ("sar-all-nodata", _swap(_t(), "--sar", "{i}/void.tif"), 1, ["no valid pixel"]),
    ("sar-all-zero", _swap(_t(), "--sar", "{i}/zeros.tif"), 1, ["one value everywhere"]),
    ("sar-geographic-huge-pixels", _swap(_t(), "--sar", "{i}/geo.tif"), 1, ["would need"]),
    ("sar-not-a-raster", _swap(_t(), "--sar", "{i}/broken.tif"), 1, ["cannot be read"]),
    # DEM plausibility
    ("dem-centimetres", _swap(_t(), "--dem", "{i}/dem_cm.tif"), 1, ["centimetres"]),
    ("dem-feet-unit", _swap(_t(), "--dem", "{i}/dem_ft.tif"), 1, ["feet"]),
    ("dem-is-the-sar", _swap(_t(), "--dem", "{i}/sar.tif"), 1, ["same file"]),
    ("dem-small-part", _swap(_t(), "--dem", "{i}/dem_small.tif"), 1,
     ["covers only a small part"]),
    ("dem-all-nodata", _swap(_t(), "--dem", "{i}/dem_void.tif"), 1, ["no data over"]),
    # distortion
    ("distortion-png", [*D, "--out", "{o}/m.png"], 1, ["must be a GeoTIFF"]),
    ("distortion-heading-inf", _swap([*D, "--out", "{o}/m.tif"], "--heading", "inf"), 1,
     ["inf deg is not a finite angle"]),
    ("distortion-dem-1px", _swap([*D, "--out", "{o}/m.tif"], "--dem", "{i}/dem_1px.tif"), 1,
     ["at least 2x2"]),
    ("distortion-dem-all-nodata", _swap([*D, "--out", "{o}/m.tif"], "--dem",
                                        "{i}/dem_void.tif"), 1, ["no valid height"]),
    ("distortion-out-proc", [*D, "--out", "/proc/m.tif"], 1, ["Cannot write"]),
    ("distortion-dem-centimetres", _swap([*D, "--out", "{o}/m.tif"], "--dem",
                                         "{i}/dem_cm.tif"), 1, ["centimetres"]),
    ("distortion-dem-feet-unit", _swap([*D, "--out", "{o}/m.tif"], "--dem",
                                       "{i}/dem_ft.tif"), 1, ["feet"]),
    # train options
    ("train-dem-max-negative", [*TR, "--out", "{o}/run", "--dem-max", "-5"], 1,
     ["--dem-max"]),
    ("train-out-is-data", [*TR, "--out", "{i}/data"], 1, ["training data folder"]),
    ("train-patch-zero", [*TR, "--out", "{o}/run", "--patch", "0"], 1, ["--patch"]),
    ("train-lr-nan", [*TR, "--out", "{o}/run", "--lr", "nan"], 1, ["--lr"]),
    # found by the final sweep -------------------------------------------------------------
    # numbers a library crashes on or that mean nothing
    ("threads-huge", _t("--threads", "100000"), 1, ["thread count 100000", "from 1 to"]),
    ("heading-huge", _t("--distortion-out", "{o}/m.tif", "--incidence", "39", "--heading",
                        "1e300"), 1, ["outside -360..360"]),
    ("adapt-threads-huge", [*AD, "--out", "{o}/a.safetensors", "--threads", "100000"], 1,
     ["thread count 100000"]),
    ("adapt-lr-negative", [*AD, "--out", "{o}/a.safetensors", "--lr", "-1"], 1,
     ["--lr -1.0 must be a positive number"]),
    ("export-check-size-negative", ["export", "--weights", "{i}/w.safetensors", "--out",
                                    "{o}/x.onnx", "--check-size", "-4"], 1, ["check size -4"]),
    ("distortion-heading-huge", _swap([*D, "--out", "{o}/m.tif"], "--heading", "1e300"), 1,
     ["outside -360..360"]),
    ("simulate-heading-inf", ["simulate", "--out", "{o}/sim", "--size", "64", "--heading",
                              "inf"], 1, ["inf deg is not a finite angle"]),
    ("evaluate-out-unwritable", ["evaluate", "--weights", "{i}/w.safetensors", "--data",
                                 "{i}/data", "--out", "/proc/ev"], 1,
     ["Cannot write to the output folder /proc"]),
    ("bench-size-zero", ["bench", "--quick", "--size", "0"], 1, ["bench size 0"]),
    ("change-heading-inf", _swap([*CH, "--out", "{o}/c"], "--heading", "inf"), 1,
     ["inf deg is not a finite angle"]),
    # option syntax: one line, argparse's status 2
    ("option-empty-value", _swap(_t(), "--sar", ""), 2, ["--sar: the value is empty"]),
    ("option-not-a-number", _swap(_t(), "--tile", "x"), 2, ["invalid int value: 'x'",
                                                            "sardine translate --help"]),
    # inputs named for what they are
    ("sar-one-band-guessed", _swap(_t(), "--sar", "{i}/one.tif"), 1,
     ["has 1 band(s)", "gdalbuildvrt -separate"]),
    ("sar-vrt-source-missing", _swap(_t(), "--sar", "{i}/missing_source.vrt"), 1,
     ["gone.tif: No such file"]),
    ("dem-complex", _swap(_t(), "--dem", "{i}/dem_complex.tif"), 1, ["complex numbers"]),
    ("distortion-dem-complex", _swap([*D, "--out", "{o}/m.tif"], "--dem",
                                     "{i}/dem_complex.tif"), 1, ["complex numbers"]),
    ("export-onnx-as-weights", ["export", "--weights", "{i}/model.onnx", "--out",
                                "{o}/x.onnx"], 1, ["is an ONNX file", "model.safetensors"]),
    ("change-post-one-band", _swap([*CH, "--out", "{o}/c"], "--post-sar", "{i}/one.tif"), 1,
     ["has 1 band(s)"]),
    ("change-post-all-nodata", _swap([*CH, "--out", "{o}/c"], "--post-sar", "{i}/void.tif"),
     1, ["void.tif has no valid pixel"]),
    ("evaluate-change-not-a-pair", ["evaluate-change", "--pair", "{i}/data", "--change",
                                    "{i}/data"], 1, ["has no landslide.tif"]),
    # outputs: each its own file, not an input, writable before any work
    ("trust-out-is-out", _t("--trust-out", "{o}/out.tif", "--incidence", "39", "--heading",
                            "190"), 1, ["trust layer and the translation are both"]),
    ("trust-out-png", _t("--trust-out", "{o}/t.png", "--incidence", "39", "--heading",
                         "190"), 1, ["must be a GeoTIFF"]),
    ("adapt-out-is-base", [*AD, "--out", "{i}/w.safetensors"], 1, ["also an input"]),
    ("adapt-report-unwritable", [*AD, "--out", "{o}/a.safetensors", "--report", "/proc/rep"],
     1, ["Cannot write to the output folder /proc"]),
    ("change-out-holds-an-input", _swap([*CH, "--out", "{i}/site"], "--pre-sar",
                                        "{i}/site/pre_optical.tif"), 1, ["also an input"]),
    ("bench-json-unwritable", ["bench", "--quick", "--json", "/proc/b.json"], 1,
     ["Cannot write to the output folder /proc"]),
    ("simulate-dataset-dem-unreadable", ["simulate-dataset", "--out", "{o}/sd", "--count", "2",
                                         "--patch", "32", "--size", "64", "--dem",
                                         "{i}/broken.tif"], 1, ["DEM raster", "cannot be read"]),
    ("experiment-unknown-model", ["experiment", "--models", "sardinet,nosuch", "--data",
                                  "{i}/data", "--out", "{o}/x", "--seeds", "1"], 1,
     ["Unknown model 'nosuch'"]),
    ("bench-json-is-a-folder", ["bench", "--quick", "--json", "{o}"], 1,
     ["is a folder; give the name of a file"]),
    ("train-out-is-a-file", [*TR, "--out", "{i}/sar.tif"], 1, ["sar.tif is a file"]),
    ("calibrate-out-unwritable", ["calibrate", "--out", "/proc/c.json", "--data",
                                  "{i}/data"], 1, ["Cannot write to the output folder /proc"]),
]


@pytest.mark.parametrize("argv,status,phrases", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_refused_inone_line(entry, inp, tmp_path, capsys, argv, status, phrases):
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(inp)
    try:
        code = entry([a.format(i=inp, o=out) for a in argv])
    except SystemExit as exc:  # argparse's own refusals (status 2), as the command exits
        code = exc.code
    captured = capsys.readouterr()
    assert code == status, captured.err
    line = one_line(captured.err)
    for phrase in phrases:
        assert phrase in line, line
    assert snapshot(inp) == before
    assert list(out.iterdir()) == []


def test_unexpected_error_points_to_a_log(entry, inp, tmp_path, capsys, monkeypatch):
    from sardine.core.translate import engine

    def boom(*_a, **_k):
        raise RuntimeError("boom in the engine")

    monkeypatch.setattr(engine, "run_tiles", boom)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    out.mkdir()
    code = entry([a.format(i=inp, o=out) for a in _t()])
    line = one_line(capsys.readouterr().err)
    assert code == 1 and "unexpected internal error (RuntimeError: boom" in line
    logs = list((tmp_path / "cache" / "sardine" / "logs").glob("error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in line
    text = logs[0].read_text()
    assert "Traceback" in text and "boom in the engine" in text
    assert list(out.iterdir()) == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_scratch_and_lock_removed_by_a_later_run(entry, inp, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    pid = _dead_pid()
    stale = [out / f".o.{pid}-abcdefgh.part.tif", out / f".x.{pid}-abcdefgh.pass1.tif",
             out / f".o.{pid}-abcdefgh.part.tif.aux.xml",
             out / f".t.{pid}-abcdefgh.part.dist.tif"]  # --trust-out's and change's scratch
    for path in stale:
        path.write_bytes(b"left by a killed run")
    (out / ".o.tif.sardine-lock").write_text(str(pid))
    other = out / ".notes.part.tif"  # not ours (no process id): kept
    other.write_text("user file")
    assert entry([a.format(i=inp, o=out) for a in _t(out="{o}/o.tif")]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".notes.part.tif", "o.tif"]


def test_second_writer_of_one_output_is_refused(entry, inp, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".o.tif.sardine-lock").write_text(str(os.getppid()))  # a live, older process
    code = entry([a.format(i=inp, o=out) for a in _t(out="{o}/o.tif")])
    line = one_line(capsys.readouterr().err)
    assert code == 1 and "Another Sardine run" in line
    assert [p.name for p in out.iterdir()] == [".o.tif.sardine-lock"]


def test_train_nan_loss_stops_clearly(entry, tmp_path, capsys):
    from support import write_patch_folder

    data = write_patch_folder(tmp_path / "data", count=6, size=32)
    run = tmp_path / "run"
    code = entry(["train", "--data", str(data), "--out", str(run), "--model", "sardinet",
                  "--epochs", "1", "--batch", "4", "--device", "cpu", "--previews", "0",
                  "--lr", "1e30", "--config", json.dumps(TINY_CONFIG)])
    captured = capsys.readouterr()
    assert code == 1
    line = one_line(captured.err)
    assert "no finite" in line or "diverged" in line
    assert "no weights were written" in line
    assert "weights:" not in captured.out
    assert not run.exists()  # the run folder it created is gone again


# --- cases that need a real process ------------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE on Linux")
def test_full_disk_mid_write(inp, tmp_path):
    """A file-size limit stands in for a full disk: GDAL's writes fail part-way through and
    it closes the file without raising. Also: GDAL's own INFO lines stay hidden."""
    import resource

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(inp)
    proc = subprocess.run([str(SARDINE), *[a.format(i=inp, o=out) for a in _t()]], cwd=out,
                          env=env_no_bytecode(), capture_output=True, text=True, preexec_fn=limit,
                          timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "disk is probably full" in one_line(proc.stderr)
    assert "INFO" not in proc.stderr and "signalled" not in proc.stderr
    assert list(out.iterdir()) == []
    assert snapshot(inp) == before


def test_qgis_task_guard_one_line_and_log(tmp_path, monkeypatch):
    """The Processing algorithms' guard (what the dock's task and the toolbox run)."""
    from qgis.core import QgsProcessingException, QgsProcessingFeedback
    from sardine.processing.common import qgis_errors

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(QgsProcessingException) as info:
        with qgis_errors(QgsProcessingFeedback()):
            raise KeyError("surprise")
    message = str(info.value)
    assert "unexpected internal error (KeyError" in message and "\n" not in message
    log = next((tmp_path / "cache" / "sardine" / "logs").glob("error-*.log"))
    assert str(log) in message and "Traceback" in log.read_text()
    with pytest.raises(QgsProcessingException) as info:
        with qgis_errors():
            raise OSError(28, "No space left on device", "/data/out.tif")
    assert "the disk is full" in str(info.value) and "/data/out.tif" in str(info.value)


def test_distortion_target_grid_without_overlap(inp, tmp_path):
    """Processing's mask on a SAR grid the DEM misses: said, not 'no valid height'."""
    from sardine.core.distortion.raster import write_distortion_raster
    from sardine.core.errors import InputError
    from sardine.core.geometry import AcquisitionGeometry
    from sardine.core.grid import RasterGrid

    far = write_raster(tmp_path / "far.tif", sar_values(8, 8), UTM,
                       Affine(10.0, 0, 700000.0, 0, -10.0, 4000000.0))
    with rasterio.open(far) as src:
        grid = RasterGrid.from_dataset(src)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError, match="does not overlap the target grid"):
        write_distortion_raster(inp / "dem.tif", out / "m.tif", AcquisitionGeometry(),
                                target=grid)
    assert list(out.iterdir()) == []
