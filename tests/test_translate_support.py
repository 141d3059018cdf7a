"""Shared helpers of the translation tests (no tests here): a fixed random-initialised
model saved to a weights file, small synthetic SAR/DEM GeoTIFFs, and a whole-image
reference inference."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch
from affine import Affine
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


def save_tiny(path: Path, name: str = "sardinet-late", pixel_size_m: float = 10.0) -> Path:
    save_weights(path, tiny_model(name), WeightsMetadata(
        normalization=Normalization(), pixel_size_m=pixel_size_m,
        training_data="random initialisation (tests)"))
    return path


@pytest.fixture(scope="session")
def weights(tmp_path_factory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("weights") / "tiny-late.safetensors")


@pytest.fixture(scope="session")
def weights_sar_only(tmp_path_factory) -> Path:
    return save_tiny(tmp_path_factory.mktemp("weights") / "tiny-sar.safetensors", "sardinet")


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


def write_raster(path: Path, data: np.ndarray, crs: str, transform: Affine,
                 nodata: float | None = None, descriptions: tuple[str, ...] | None = None
                 ) -> Path:
    data = data if data.ndim == 3 else data[None]
    profile = {"driver": "GTiff", "width": data.shape[2], "height": data.shape[1],
               "count": data.shape[0], "dtype": str(data.dtype), "crs": crs,
               "transform": transform, "nodata": nodata}
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
