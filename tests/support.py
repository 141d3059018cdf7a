"""Helpers shared by the test modules (no tests, no fixtures: those are in conftest.py).

Raster writing, small synthetic scenes (SAR/DEM on one UTM grid), tiny random-initialised
models saved as real weights files, patch-folder datasets and a whole-image reference
inference. Test modules import from here, never from each other."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import rasterio
import torch
from affine import Affine
from rasterio.crs import CRS
from sardine.core.models import build_model
from sardine.core.normalization import Normalization
from sardine.core.weights import WeightsMetadata, save_weights

TINY = {"conditioning_widths": (8, 16), "encoder_widths": (16, 32), "decoder_widths": (16, 8)}
UTM = "EPSG:32632"
ORIGIN = (500000.0, 5000000.0)


def tiny_model(name: str = "sardinet-late", seed: int = 0) -> torch.nn.Module:
    """A small random model whose output spans most of [0, 1] (its last convolution is
    scaled up), so that tiling errors would show in the DNs."""
    torch.manual_seed(seed)
    model = build_model(name, dict(TINY)).eval()
    last = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    with torch.no_grad():
        last.weight.mul_(25.0)
        if last.bias is not None:
            last.bias.mul_(25.0)
    return model


def save_tiny(path: Path, name: str = "sardinet-late", pixel_size_m: float = 10.0,
              seed: int = 0, normalization: Normalization | None = None) -> Path:
    """``tiny_model`` saved as a real weights file."""
    save_weights(path, tiny_model(name, seed), WeightsMetadata(
        normalization=normalization or Normalization(), pixel_size_m=pixel_size_m,
        training_data="random initialisation (tests)"))
    return path


def terrain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smooth heights (m) at projected coordinates, so any grid samples the same surface."""
    u, v = (x - ORIGIN[0]) / 1000.0, (ORIGIN[1] - y) / 1000.0
    return 900.0 + 350.0 * np.sin(u * 2.1) * np.cos(v * 1.7) + 120.0 * u


def sar_values(height: int, width: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    vv = -12.0 + 5.0 * np.sin(xx / 13.0) * np.cos(yy / 19.0) + rng.normal(0.0, 2.0, (height,
                                                                                      width))
    vh = vv - 7.0 + rng.normal(0.0, 1.0, (height, width))
    return np.stack([vv, vh]).astype(np.float32)


def write_raster(path: Path, data: np.ndarray, crs: str | CRS = UTM,
                 transform: Affine | None = None, nodata: float | None = None,
                 descriptions: tuple[str, ...] | None = None, dtype: str | None = None
                 ) -> Path:
    """A GeoTIFF of ``data`` ((H, W) or (C, H, W)), cast to ``dtype`` when given; the default
    transform is 10 m pixels at ``ORIGIN``."""
    data = np.asarray(data)
    data = data if data.ndim == 3 else data[None]
    if dtype is not None:
        data = data.astype(dtype)
    profile = {"driver": "GTiff", "width": data.shape[2], "height": data.shape[1],
               "count": data.shape[0], "dtype": str(data.dtype), "crs": crs,
               "transform": transform if transform is not None else sar_transform(),
               "nodata": nodata}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        for i, text in enumerate(descriptions or (), start=1):
            dst.set_band_description(i, text)
    return path


def sar_transform(pixel: float = 10.0) -> Affine:
    return Affine(pixel, 0.0, ORIGIN[0], 0.0, -pixel, ORIGIN[1])


def make_scene(folder: Path, size: int = 192, pixel: float = 10.0, seed: int = 1
               ) -> tuple[Path, Path]:
    """SAR (VV, VH in dB) and a DEM on the same UTM grid."""
    t = sar_transform(pixel)
    sar = write_raster(folder / "sar.tif", sar_values(size, size, seed), UTM, t,
                       descriptions=("VV", "VH"))
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    x, y = t * (cols, rows)
    dem = write_raster(folder / "dem.tif", terrain(x, y).astype(np.float32)[None], UTM, t)
    return sar, dem


def reference(model: torch.nn.Module, sar_db: np.ndarray, dem_m: np.ndarray | None,
              pad: int, rounded: bool = True) -> np.ndarray:
    """Whole-image inference with the engine's reflect padding: (3, H, W) in DN, rounded
    like the uint8 output, or in [0, 1] when not ``rounded``."""
    norm = Normalization()
    sar = np.pad(norm.sar_to_unit(sar_db), ((0, 0), (pad, pad), (pad, pad)), mode="reflect")
    dem = None
    if dem_m is not None:
        dem = torch.from_numpy(np.pad(norm.dem_to_unit(dem_m[None]),
                                      ((0, 0), (pad, pad), (pad, pad)), mode="reflect"))[None]
    with torch.inference_mode():
        out = model.predict(torch.from_numpy(sar)[None], dem)[0].numpy()
    h, w = sar_db.shape[1:]
    out = out[:, pad:pad + h, pad:pad + w]
    return np.rint(out * 255.0) if rounded else out


def read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with rasterio.open(path) as src:
        return src.read(), src.dataset_mask()


def checksum(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def smooth_field(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth random field in [0, 1] (a few low-frequency waves)."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = np.zeros((size, size))
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.5, 2.5, 2).tolist() + [rng.uniform(0, 6.28)]
        out += np.sin(2 * np.pi * (fx * xx + fy * yy) + phase)
    return (out - out.min()) / (np.ptp(out) + 1e-9)


def write_patch_folder(root: Path, count: int = 10, size: int = 32, seed: int = 0,
                       dem: bool = True, distortion: bool = False) -> Path:
    """An easy learnable dataset: the optical colours are smooth functions of VV, VH, DEM."""
    rng = np.random.default_rng(seed)
    folders = ["sar", "optical"] + (["dem"] if dem else []) + \
        (["distortion"] if distortion else [])
    for name in folders:
        (root / name).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        a, b, c = (smooth_field(rng, size) for _ in range(3))
        stem = f"patch_{i:03d}"
        write_raster(root / "sar" / f"{stem}.tif", np.stack([-20 + 18 * a, -28 + 16 * b]),
                     dtype="float32")
        rgb = np.stack([a, 0.5 * b + 0.5 * c, 1 - a]) * 255
        write_raster(root / "optical" / f"{stem}.tif", rgb, dtype="uint8")
        if dem:
            write_raster(root / "dem" / f"{stem}.tif", 3000 * c, dtype="float32")
        if distortion:
            write_raster(root / "distortion" / f"{stem}.tif", (a > 0.8).astype(np.uint8))
    return root


EVAL_SIZE = 32
EVAL_TRANSFORM = Affine(20.0, 0.0, 500000.0, 0.0, -20.0, 5000000.0)
EVAL_TINY = {"sardinet": {"conditioning_widths": [8, 16], "encoder_widths": [16, 16],
                     "decoder_widths": [8, 4]},
        "sardinet-late": {"conditioning_widths": [8, 16], "encoder_widths": [16, 16],
                          "decoder_widths": [8, 4]}}


def make_dataset(root: Path, count: int = 10, seed: int = 0) -> Path:
    """A patch folder like ``sardine simulate-dataset`` writes: every distortion region
    present in each patch, and a splits.json (6 train, 2 val, 2 test)."""
    rng = np.random.default_rng(seed)
    for sub in ("sar", "dem", "optical", "distortion"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:EVAL_SIZE, 0:EVAL_SIZE]
    names = []
    for i in range(count):
        name = f"p{i:02d}"
        names.append(name)
        dem = (300 + 200 * np.sin(xx / 5 + i) * np.cos(yy / 7)).astype(np.float32)[None]
        sar = np.stack([-12 + 6 * np.sin(xx / 3 + i), -20 + 4 * np.cos(yy / 4)])
        sar = (sar + rng.normal(0, 1, sar.shape)).astype(np.float32)
        optical = np.clip(np.stack([dem[0] / 3, 120 + 40 * np.sin(xx / 6), 90 + yy * 2]),
                          0, 255).astype(np.uint8)
        codes = np.zeros((1, EVAL_SIZE, EVAL_SIZE), np.uint8)
        codes[0, :, 8:14] = 1
        codes[0, :, 14:16] = 2
        codes[0, 4:20, 22:30] = 3
        for sub, data in (("sar", sar), ("dem", dem), ("optical", optical),
                          ("distortion", codes)):
            write_raster(root / sub / f"{name}.tif", data, transform=EVAL_TRANSFORM)
    (root / "splits.json").write_text(json.dumps(
        {"train": names[:6], "val": names[6:8], "test": names[8:]}))
    return root


def save_eval_weights(folder: Path, name: str, seed: int = 0) -> Path:
    """Tiny weights for ``make_dataset``'s heights (DEM scaled to 1000 m)."""
    return save_tiny(folder / f"{name}.safetensors", name, seed=seed,
                     normalization=Normalization(dem_max_m=1000.0))


# --- a two-CRS scene and helpers for the QGIS tests (Processing, dock, qgis_process) ---

SAR_CRS, DEM_CRS = "EPSG:32632", "EPSG:4326"
QGIS_PROCESS = shutil.which("qgis_process.bin") or "/usr/bin/qgis_process.bin"
WIDTH, HEIGHT, PIXEL = 96, 80, 10.0
WEST, NORTH = 500_000.0, 5_000_000.0


def make_two_crs_scene(folder: Path) -> SimpleNamespace:
    """A small SAR raster (bands named VH, VV, in that order, in UTM) and a DEM of a ridge
    in another CRS (WGS84 degrees) covering it: what the core must align on the fly."""
    from rasterio.warp import transform_bounds

    rng = np.random.default_rng(7)
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    vv = -12 + 4 * np.sin(cols / 9) + rng.normal(0, 1, (HEIGHT, WIDTH))
    vh = vv - 7 + rng.normal(0, 1, (HEIGHT, WIDTH))
    sar = np.stack([vh, vv]).astype(np.float32)
    transform = Affine(PIXEL, 0, WEST, 0, -PIXEL, NORTH)
    sar_path = write_raster(folder / "s1.tif", sar, SAR_CRS, transform,
                            descriptions=("VH", "VV"))
    bounds = (WEST, NORTH - HEIGHT * PIXEL, WEST + WIDTH * PIXEL, NORTH)
    west, south, east, north = transform_bounds(SAR_CRS, DEM_CRS, *bounds)
    step = 0.0002
    west, north, east, south = west - 5 * step, north + 5 * step, east + 5 * step, south - 5 * step
    dem_w, dem_h = int((east - west) / step) + 1, int((north - south) / step) + 1
    x = np.linspace(-1, 1, dem_w, dtype=np.float32)[None, :].repeat(dem_h, 0)
    dem = (800 + 600 * np.exp(-(x * 3) ** 2)).astype(np.float32)[None]
    dem_path = write_raster(folder / "dem.tif", dem, DEM_CRS,
                            Affine(step, 0, west, 0, -step, north))
    return SimpleNamespace(sar=sar_path, dem=dem_path, folder=folder)


def run_alg(processing, alg_id, params: dict) -> dict:
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    return processing.run(alg_id, params, context=context, feedback=QgsProcessingFeedback())


def wait_until(predicate, timeout: float = 180.0) -> None:
    """Let Qt deliver events (task signals) until ``predicate()``; fail after ``timeout``."""
    from qgis.PyQt.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the dock's task")
        QApplication.processEvents()
        time.sleep(0.02)


def run_and_cancel(dock, folder: Path) -> None:
    """Start the dock's task, cancel it, and check that no layer and no file is left and
    the dock is ready again (the translate and change modes share this promise)."""
    from qgis.core import QgsApplication, QgsProject

    before = set(QgsProject.instance().mapLayers())
    active = QgsApplication.taskManager().count()
    assert dock.run() is True
    dock.cancel_button.click()
    wait_until(lambda: not dock.is_running())
    wait_until(lambda: QgsApplication.taskManager().count() <= active)
    assert set(QgsProject.instance().mapLayers()) == before
    assert list(folder.iterdir()) == []
    assert "Cancelled" in dock.status.text() and dock.run_button.isEnabled()


def pick_in_dock(dock, sar, dem, weights: Path, output: Path | None) -> None:
    form = dock.form
    form.sar_combo.setLayer(sar)
    form.dem_combo.setLayer(dem)
    from sardine.ui.dock_form import WEIGHTS_ITEM

    form.model_combo.setCurrentIndex(form.model_combo.findData(WEIGHTS_ITEM))
    form.weights_widget.setFilePath(str(weights))
    form.device_combo.setCurrentIndex(form.device_combo.findData("cpu"))
    form.tile_spin.setValue(64)
    form.overlap_spin.setValue(8)
    form.output_widget.setFilePath(str(output) if output else "")


def critical_messages(qgis_iface) -> list[str]:
    from qgis.core import Qgis

    return qgis_iface.messageBar().get_messages(Qgis.Critical)


def qgis_profile_with_sardine(folder: Path, plugin_root: Path) -> Path:
    """A fresh QGIS config folder (for QGIS_CUSTOM_CONFIG_PATH) whose default profile has
    the plugin at ``plugin_root`` installed and enabled."""
    config = folder / "qgis-config"
    profile = config / "profiles" / "default"
    (profile / "python" / "plugins").mkdir(parents=True)
    (profile / "python" / "plugins" / "sardine").symlink_to(plugin_root, target_is_directory=True)
    (profile / "QGIS").mkdir()
    (profile / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\nsardine=true\n")
    return config


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256: inputs must stay byte-identical."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line(stderr: str) -> str:
    """The single message line of a refused or cancelled command (warnings and progress
    bars aside); fails on a traceback or on more lines."""
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.replace("\r", "\n").splitlines()
             if ln.strip() and not ln.startswith("warning:") and "%|" not in ln]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sardine"), stderr
    return lines[0]


def env_no_bytecode() -> dict[str, str]:
    """The environment for a ``sardine`` subprocess that writes no .pyc files."""
    return dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
