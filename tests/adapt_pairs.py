"""Small simulated site pairs for the adaptation tests: the SAR and DEM on a UTM grid, the
optical as a 13-band Sentinel-2 L1C-order stack (uint16 reflectance x 10000 with the L2A
offset) in geographic coordinates, with a cloud patch and its mask."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.warp import Resampling, calculate_default_transform, reproject

S2_NAMES = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
CLOUD = (slice(20, 60), slice(100, 150))  # rows, cols on the SAR grid


def _write(path: Path, data: np.ndarray, crs, transform, nodata=None, names=None) -> Path:
    profile = {"driver": "GTiff", "width": data.shape[2], "height": data.shape[1],
               "count": data.shape[0], "dtype": data.dtype.name, "crs": crs,
               "transform": transform, "nodata": nodata}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        for i, name in enumerate(names or (), start=1):
            dst.set_band_description(i, name)
    return path


def make_pair(folder: Path, size: int = 160, seed: int = 3) -> dict[str, Path]:
    """sar.tif, dem.tif (UTM), optical.tif (13 bands, EPSG:4326), clouds.tif (mask)."""
    from sardine.training.simulate.scene import SceneSpec, simulate_scene

    scene = simulate_scene(SceneSpec(size=size, seed=seed))
    grid = scene.grid
    sar = _write(folder / "sar.tif", scene.sar_db.astype(np.float32), grid.crs,
                 grid.transform, names=("VV", "VH"))
    dem = _write(folder / "dem.tif", scene.dem[None].astype(np.float32), grid.crs,
                 grid.transform)
    # Real Sentinel-2 looks unlike the simulator's palette: a colour shift the base
    # weights do not know, which adaptation must learn.
    reflectance = scene.optical.astype(np.float32) / 255.0 * 0.3
    reflectance = 0.8 * reflectance[[1, 0, 2]] + np.array([0.05, 0.0, 0.02],
                                                       np.float32)[:, None, None]
    clouds = np.zeros((size, size), np.uint8)
    clouds[CLOUD] = 1
    reflectance[:, clouds == 1] = 0.9  # bright cloud tops: would be learnt if not masked
    stack = np.full((13, size, size), 1500.0, np.float32)
    for band, channel in ((4, 0), (3, 1), (2, 2)):  # B4, B3, B2
        stack[band - 1] = reflectance[channel] * 10000 + 1000
    dst_crs = CRS.from_epsg(4326)
    transform, width, height = calculate_default_transform(
        grid.crs, dst_crs, size, size, *grid.bounds)
    warped = np.zeros((13, height, width), np.float32)
    reproject(stack, warped, src_transform=grid.transform, src_crs=grid.crs,
              dst_transform=transform, dst_crs=dst_crs, resampling=Resampling.bilinear,
              src_nodata=0, dst_nodata=0)
    optical = _write(folder / "optical.tif", np.round(warped).astype(np.uint16), dst_crs,
                     transform, nodata=0, names=S2_NAMES)
    mask = _write(folder / "clouds.tif", clouds[None], grid.crs, grid.transform)
    return {"sar": sar, "dem": dem, "optical": optical, "clouds": mask}
