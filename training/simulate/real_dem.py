"""Real DEMs for the simulator: reading any DEM onto a scene grid, and the sample DEM that
ships with matplotlib (Jacksboro fault, Tennessee) as a projected GeoTIFF.

Why the sample: no DEM can be downloaded here, yet the trainer, the evaluation and the tests
need real terrain. matplotlib's ``jacksboro_fault_dem.npz`` holds 3-arc-second heights
(metres) on a WGS84 latitude/longitude grid; its first row is the northern edge (latitude
``ymin`` = 36.733, despite the key's name), which the hillshade confirms: Pine Mountain runs
north-east from the north-west-trending Jacksboro fault, as on any map.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.warp import calculate_default_transform, reproject, transform_bounds

from ...core.atomic import atomic_output, check_output_path
from ...core.errors import InputError
from ...core.grid import RasterGrid, utm_crs

SAMPLE_NAME = "jacksboro_fault_dem.npz"


def write_sample_dem(out_path: str | os.PathLike, resolution: float = 30.0) -> Path:
    """Write matplotlib's Jacksboro DEM as a float32 GeoTIFF in UTM zone 16N (EPSG:32616)
    with ``resolution`` metre pixels (cubic resampling; NaN outside the source footprint)."""
    import matplotlib.cbook as cbook

    out = check_output_path(out_path)
    with cbook.get_sample_data(SAMPLE_NAME) as data:
        heights = data["elevation"].astype(np.float32)
        west, east = float(data["xmin"]), float(data["xmax"])
        north, south = float(data["ymin"]), float(data["ymax"])
        step_x, step_y = float(data["dx"]), float(data["dy"])
    rows, cols = heights.shape
    if abs(west + cols * step_x - east) > step_x or abs(north - rows * step_y - south) > step_y:
        raise InputError(f"matplotlib's {SAMPLE_NAME} has an unexpected layout; update "
                         "matplotlib or give your own DEM with --dem.")
    src_crs = CRS.from_epsg(4326)
    src_transform = Affine(step_x, 0.0, west, 0.0, -step_y, north)
    dst_crs = utm_crs((west + east) / 2.0, (north + south) / 2.0)
    transform, width, height = calculate_default_transform(
        src_crs, dst_crs, cols, rows, west, south, east, north, resolution=resolution)
    dem = np.full((height, width), np.nan, dtype=np.float32)
    reproject(heights, dem, src_transform=src_transform, src_crs=src_crs,
              dst_transform=transform, dst_crs=dst_crs, resampling=Resampling.cubic,
              src_nodata=None, dst_nodata=np.nan)
    grid = RasterGrid(dst_crs, transform, width, height)
    with atomic_output(out) as tmp:
        with rasterio.open(tmp, "w", **grid.profile(dtype="float32", count=1,
                                                    nodata=float("nan"))) as dst:
            dst.write(dem, 1)
            dst.set_band_description(1, "elevation")
            dst.set_band_unit(1, "metre")
            dst.update_tags(SOURCE="matplotlib sample data jacksboro_fault_dem.npz "
                                   "(3 arc-second DEM, Jacksboro fault, Tennessee)")
    return out


def load_dem(path: str | os.PathLike, size: int, pixel_size: float, crs: str | None = None,
             origin: tuple[float, float] | None = None) -> tuple[np.ndarray, RasterGrid]:
    """Heights (float32 m, NaN where unknown) of a ``size`` x ``size`` scene grid cut from a
    DEM of any CRS (cubic resampling), and that grid.

    The grid's CRS is ``crs``, else the DEM's own if projected, else the UTM zone of its
    centre (degrees are never used as metres); it is centred on the DEM unless ``origin``
    (west, north) is given."""
    path = Path(path)
    try:
        src = rasterio.open(path)
    except RasterioIOError as exc:
        raise InputError(f"The DEM {path} cannot be read as a raster ({exc}); give a GeoTIFF "
                         "of heights in metres.") from exc
    with src:
        if src.crs is None:
            raise InputError(f"The DEM {path} has no coordinate reference system; assign one "
                             "(gdal_edit.py -a_srs EPSG:...) so it can be placed on the grid.")
        if crs is not None:
            dst_crs = CRS.from_user_input(crs)
        elif src.crs.is_projected:
            dst_crs = src.crs
        else:
            dst_crs = utm_crs(*RasterGrid.from_dataset(src).centre_lonlat())
        if not dst_crs.is_projected:
            raise InputError(f"The scene CRS {dst_crs} is not projected; give a UTM zone such "
                             "as EPSG:32632 so pixels are in metres.")
        left, bottom, right, top = transform_bounds(src.crs, dst_crs, *src.bounds)
        extent = size * pixel_size
        if origin is None:
            west = round(((left + right) / 2.0 - extent / 2.0) / pixel_size) * pixel_size
            north = round(((bottom + top) / 2.0 + extent / 2.0) / pixel_size) * pixel_size
        else:
            west, north = float(origin[0]), float(origin[1])
        tol = pixel_size
        if (west < left - tol or west + extent > right + tol or north > top + tol
                or north - extent < bottom - tol):
            fits = int(min(right - left, top - bottom) // pixel_size)
            raise InputError(
                f"The DEM {path.name} covers {(right - left) / 1000:.1f} x "
                f"{(top - bottom) / 1000:.1f} km but the scene needs {extent / 1000:.1f} km "
                f"square at that place; use --size {fits} or less, or a coarser --pixel-size.")
        grid = RasterGrid.from_origin(dst_crs, west, north, pixel_size, size, size)
        with WarpedVRT(src, crs=dst_crs, transform=grid.transform, width=size, height=size,
                       resampling=Resampling.cubic, src_nodata=src.nodata,
                       nodata=float("nan"), dtype="float32") as vrt:
            dem = vrt.read(1)
    valid = np.isfinite(dem)
    if valid.mean() < 0.5:
        raise InputError(f"Only {100 * valid.mean():.0f} % of the scene has heights in "
                         f"{path.name}; choose a place (or size) inside the DEM's footprint.")
    return dem, grid


def dem_bounds(path: str | os.PathLike, crs: CRS | None = None
               ) -> tuple[CRS, tuple[float, float, float, float]]:
    """The projected CRS a scene cut from this DEM uses and the DEM's bounds in it."""
    with rasterio.open(path) as src:
        if crs is not None:
            dst_crs = crs
        elif src.crs is not None and src.crs.is_projected:
            dst_crs = src.crs
        else:
            dst_crs = utm_crs(*RasterGrid.from_dataset(src).centre_lonlat())
        return dst_crs, transform_bounds(src.crs, dst_crs, *src.bounds)
