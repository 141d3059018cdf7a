"""Writing a simulated scene (or a piece of it) as GeoTIFFs plus a JSON description.

Every file is written atomically (``core/atomic.py``) with its CRS, transform, nodata value,
band descriptions and units, so QGIS, the trainer and the evaluation read them unaided.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import ColorInterp

from ...core.atomic import atomic_output
from ...core.distortion import CODES, NODATA
from ...core.distortion.raster import write_distortion_metadata
from ...core.errors import InputError
from ...core.grid import RasterGrid
from ...core.version import __version__
from . import calibration
from .backscatter import CLASS_PARAMS, CROP_PARAMS
from .landcover import COLOURS
from .optical import SUN_AZIMUTH_DEG, SUN_ELEVATION_DEG
from .sar import NESZ_DB
from .scene import Scene

FILES = ("sar", "dem", "optical", "landcover", "distortion")


def write_raster(path: Path, data: np.ndarray, grid: RasterGrid, nodata: float | None,
                 descriptions: tuple[str, ...], tags: Mapping[str, str] | None = None,
                 units: str | None = None,
                 colormap: Mapping[int, tuple[int, int, int, int]] | None = None,
                 rgb: bool = False) -> Path:
    """Write a (bands, H, W) or (H, W) array on ``grid`` atomically."""
    data = data[None] if data.ndim == 2 else data
    profile = grid.profile(dtype=data.dtype.name, count=data.shape[0], nodata=nodata)
    if rgb:
        profile["photometric"] = "RGB"
    if colormap:
        profile["photometric"] = "PALETTE"
    with atomic_output(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            if colormap:  # before the pixels: libtiff cannot change the photometric tag after
                dst.write_colormap(1, colormap)
            dst.write(data)
            for band, text in enumerate(descriptions, start=1):
                dst.set_band_description(band, text)
                if units:
                    dst.set_band_unit(band, units)
            if tags:
                dst.update_tags(**tags)
            if rgb:
                dst.colorinterp = (ColorInterp.red, ColorInterp.green, ColorInterp.blue)
    return path


def write_layers(scene: Scene, paths: Mapping[str, Path], window: tuple[slice, slice] | None
                 = None) -> None:
    """Write the layers named in ``paths`` (keys of ``FILES``), optionally a window only."""
    rows, cols = window if window is not None else (slice(None), slice(None))
    grid = scene.grid
    if window is not None:
        from rasterio.windows import Window

        grid = grid.window_grid(Window(cols.start, rows.start, cols.stop - cols.start,
                                       rows.stop - rows.start))
    legend = ", ".join(f"{k} {v}" for k, v in scene.legend.items())
    for name, path in paths.items():
        if name == "sar":
            write_raster(path, scene.sar_db[:, rows, cols], grid, float("nan"), ("VV", "VH"),
                         {"UNITS": "dB", "QUANTITY": "sigma0 (ellipsoid-normalised, like "
                          "Sentinel-1 GRD)", "LOOKS": f"{scene.spec.looks:g}",
                          "SOFTWARE": f"sardine {__version__} simulate"}, units="dB")
        elif name == "dem":
            write_raster(path, scene.dem[rows, cols], grid, float("nan"), ("elevation",),
                         units="metre")
        elif name == "optical":
            write_raster(path, scene.optical[:, rows, cols], grid, 0, ("red", "green", "blue"),
                         {"SCALE": "stretched like Sentinel-2 B4, B3, B2 (0..0.3 -> 0..255)"},
                         rgb=True)
        elif name == "landcover":
            write_raster(path, scene.landcover[rows, cols], grid, 0, (f"landcover ({legend})",),
                         {"CLASSES": legend}, colormap=COLOURS)
        elif name == "distortion":
            data = scene.distortion[rows, cols]
            with atomic_output(path) as tmp:
                with rasterio.open(tmp, "w", **grid.profile(dtype="uint8", count=1,
                                                            nodata=NODATA)) as dst:
                    # The colour table first: libtiff cannot set the palette tag after
                    # pixels are written (GDAL then logs an error and drops the table).
                    write_distortion_metadata(dst, scene.geometry)
                    dst.write(data, 1)
        else:
            raise ValueError(f"unknown layer {name}")


def scene_info(scene: Scene) -> dict:
    """What scene.json records: enough to understand and reproduce the scene."""
    grid = scene.grid
    stats = {}
    for code, name in scene.legend.items():
        mask = scene.landcover == code
        if code and mask.any():
            stats[name] = {"fraction": round(float(mask.mean()), 4),
                           "mean_vv_db": round(float(np.nanmean(scene.sar_db[0][mask])), 2),
                           "mean_vh_db": round(float(np.nanmean(scene.sar_db[1][mask])), 2)}
    counts = np.bincount(scene.distortion.ravel(), minlength=256)
    return {
        "software": f"sardine {__version__}",
        "spec": scene.spec.to_dict(),
        "geometry": scene.geometry.to_dict() | {
            "look_azimuth_deg": scene.geometry.look_azimuth_deg},
        "grid": {"crs": grid.crs.to_string(), "transform": list(grid.transform)[:6],
                 "width": grid.width, "height": grid.height,
                 "pixel_size_m": list(grid.pixel_size)},
        "terrain": "real DEM" if scene.spec.dem_path else "generated mountains",
        "elevation_m": [round(float(np.nanmin(scene.dem)), 1),
                        round(float(np.nanmax(scene.dem)), 1)],
        "landcover_legend": {str(k): v for k, v in scene.legend.items()},
        "distortion_codes": {str(k): v for k, v in CODES.items()},
        "distortion_fractions": {CODES[c]: round(float(counts[c]) / scene.distortion.size, 4)
                                 for c in CODES},
        "class_statistics": stats,
        "simulated": {
            "sar": "sigma0 per class from local incidence (laws: surface = Muhleman, volume "
                   "= cos, water = geometric-optics specular, built-up + double bounce), "
                   "slant-range binning (foreshortening, layover sums, shadow), thermal "
                   f"noise {NESZ_DB:g} dB, Gamma speckle, dB",
            "class_laws": {scene.legend[k]: {"law": v[0], "vv_db_at_39": v[1],
                                             "vh_minus_vv_db": v[2]}
                           for k, v in CLASS_PARAMS.items()},
            "crop_laws": {str(k): {"law": v[0], "vv_db_at_39": v[1], "vh_minus_vv_db": v[2]}
                          for k, v in CROP_PARAMS.items()},
            "optical": f"class colours, texture, Lambertian hillshade (sun azimuth "
                       f"{SUN_AZIMUTH_DEG:g}, elevation {SUN_ELEVATION_DEG:g} deg)",
            "calibration": calibration.describe(),
        },
    }


def write_json(path: Path, data: dict) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


def write_scene(scene: Scene, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write sar.tif, dem.tif, optical.tif, landcover.tif, distortion.tif and scene.json
    into ``out_dir`` (created if missing); returns name -> path."""
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder for the scene (--out DIR).")
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.tif" for name in FILES}
    write_layers(scene, paths)
    paths["scene"] = write_json(out / "scene.json", scene_info(scene))
    return paths
