"""Distortion masks of DEM rasters of any size, window by window (``write_distortion_raster``).

Layover and shadow at a pixel depend on terrain up to relief * max(tan theta, 1 / tan theta)
away along range, so each window is read with that margin, computed, and only its core is
written: memory depends on the window and the relief, never on the raster's size.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ..atomic import atomic_output, check_output_path
from ..errors import InputError
from ..feedback import Feedback
from ..geometry import AcquisitionGeometry
from ..grid import RasterGrid, bounds_in, overlap
from ..raster_io import refuse_complex_dem
from ..scoped import gdal_cache
from ..translate.plausibility import check_height_raster
from .codes import CODES, COLORS, LEGEND, NODATA
from .mask import compute_distortion

BLOCK = 1024  # core window size in pixels (a multiple of the 256-pixel GeoTIFF tiles)
GDAL_CACHE_BYTES = 64 * 1024 * 1024
MAX_MARGIN = 4096  # pixels; beyond this the margin is capped with a warning
OUTPUT_SUFFIXES = (".tif", ".tiff")


def _blocks(width: int, height: int, size: int) -> Iterator[Window]:
    for row in range(0, height, size):
        for col in range(0, width, size):
            yield Window(col, row, min(size, width - col), min(size, height - row))


def _valid(data: np.ndarray, nodata: float | None) -> np.ndarray:
    valid = np.isfinite(data)
    if nodata is not None and not math.isnan(nodata):
        valid &= data != nodata
    return valid


def _open_reader(stack: ExitStack, dem_path: Path, target: RasterGrid | None):
    try:
        src = stack.enter_context(rasterio.open(dem_path))
    except RasterioIOError as exc:
        raise InputError(f"The DEM {dem_path} cannot be read as a raster ({exc}); give a "
                         "GeoTIFF of heights in metres.") from exc
    refuse_complex_dem(src, dem_path.name)
    if src.crs is None:
        raise InputError(f"The DEM {dem_path} has no coordinate reference system; assign one "
                         "(gdal_edit.py -a_srs EPSG:...) so its pixel size in metres is known.")
    if target is None:
        return src
    if target.crs is None or not target.is_north_up:
        raise InputError("The target grid has no CRS or is not north-up; give the grid of a "
                         "georeferenced, north-up SAR image.")
    if not overlap(bounds_in(src.crs, src.bounds, target.crs), target.bounds):
        raise InputError(f"The DEM {dem_path.name} does not overlap the target grid (the SAR "
                         "image the mask is made for); give a DEM that covers it.")
    return stack.enter_context(WarpedVRT(
        src, crs=target.crs, transform=target.transform, width=target.width,
        height=target.height, resampling=Resampling.bilinear, src_nodata=src.nodata,
        nodata=float("nan"), dtype="float32"))


def _relief(reader, grid: RasterGrid, feedback: Feedback, whole: np.ndarray | None = None
            ) -> float:
    """Height range (m) of the valid DEM pixels, read block by block (or of ``whole``,
    the grid's heights already read)."""
    low, high = np.inf, -np.inf
    blocks: list[Window | None] = (list(_blocks(grid.width, grid.height, BLOCK))
                                   if whole is None else [None])
    for i, window in enumerate(blocks):
        feedback.check_cancelled()
        data = (reader.read(1, window=window).astype(np.float64) if whole is None
                else whole)
        valid = _valid(data, reader.nodata)
        if valid.any():
            low, high = min(low, float(data[valid].min())), max(high, float(data[valid].max()))
        feedback.progress(10.0 * (i + 1) / len(blocks))
    if not np.isfinite(low):
        raise InputError("The DEM has no valid height anywhere (every pixel is nodata or "
                         "NaN); give a DEM with heights over the area.")
    return high - low


def write_distortion_metadata(dst, geometry: AcquisitionGeometry) -> None:
    """Codes, geometry and a colour table on an open distortion GeoTIFF (band 1)."""
    dst.set_band_description(1, f"distortion ({LEGEND})")
    dst.update_tags(DISTORTION_CODES=LEGEND, INCIDENCE_DEG=f"{geometry.incidence_deg:g}",
                    HEADING_DEG=f"{geometry.heading_deg:g}", LOOK=geometry.look,
                    LOOK_AZIMUTH_DEG=f"{geometry.look_azimuth_deg:g}",
                    PRECEDENCE="layover > shadow > foreshortening",
                    SOFTWARE="sardine distortion")
    dst.update_tags(1, **{f"CODE_{code}": name for code, name in CODES.items()})
    dst.write_colormap(1, COLORS)


def write_distortion_raster(dem_path: str | os.PathLike, out_path: str | os.PathLike,
                      geometry: AcquisitionGeometry, feedback: Feedback | None = None,
                      target: RasterGrid | None = None) -> Path:
    """Write the distortion codes of a DEM GeoTIFF to ``out_path`` (uint8, nodata 255),
    window by window with a margin along range wide enough for the terrain's relief.

    With ``target`` the DEM is first warped bilinearly onto that grid, so the mask lines up
    pixel for pixel with a SAR image. Geographic grids are measured in metres on the WGS84
    ellipsoid at each window's latitude; rotated grids are refused.
    """
    feedback = feedback or Feedback()
    dem_path = Path(dem_path)
    if not Path(out_path).name or Path(out_path).is_dir():
        raise InputError(f"The output '{out_path}' is a folder, not a file name; give a "
                         "GeoTIFF name such as mask.tif.")
    if Path(out_path).suffix.lower() not in OUTPUT_SUFFIXES:
        name = Path(out_path).with_suffix(".tif").name
        raise InputError(f"The distortion mask {Path(out_path).name} must be a GeoTIFF (the "
                         f"only format written); name it {name}.")
    out = check_output_path(out_path, [dem_path])
    with ExitStack() as stack:
        # A bounded GDAL block cache keeps memory independent of the raster's size.
        stack.enter_context(gdal_cache(GDAL_CACHE_BYTES))
        reader = _open_reader(stack, dem_path, target)
        grid = RasterGrid.from_dataset(reader)
        odd: list[str] = []
        check_height_raster(reader, dem_path.name, odd)
        for message in odd:
            feedback.warning(message)
        grid.metric_pixel_size()  # refuses rotated or unit-less grids before any work
        if min(grid.width, grid.height) < 2:
            raise InputError(f"The DEM {dem_path.name} is {grid.width}x{grid.height} pixels; "
                             "slopes need at least 2x2. Give a DEM covering more ground.")
        blocks = list(_blocks(grid.width, grid.height, BLOCK))
        # One window: whatever the margin, it reads the whole grid, so the heights are read
        # (and warped) once for the relief and the mask, not twice.
        whole = reader.read(1).astype(np.float64) if len(blocks) == 1 else None
        relief = _relief(reader, grid, feedback, whole)
        theta = math.radians(geometry.incidence_deg)
        reach_m = relief * max(math.tan(theta), 1.0 / math.tan(theta))
        ux = abs(math.sin(math.radians(geometry.look_azimuth_deg)))
        uy = abs(math.cos(math.radians(geometry.look_azimuth_deg)))
        capped = False
        profile = grid.profile(dtype="uint8", count=1, nodata=NODATA)
        with atomic_output(out) as tmp:
            with rasterio.open(tmp, "w", **profile) as dst:
                write_distortion_metadata(dst, geometry)
                for i, window in enumerate(blocks):
                    feedback.check_cancelled()
                    px, py = grid.metric_pixel_size(window.row_off + window.height / 2.0)
                    mx = math.ceil(reach_m * ux / px) + 3
                    my = math.ceil(reach_m * uy / py) + 3
                    if max(mx, my) > MAX_MARGIN:
                        capped = True
                        mx, my = min(mx, MAX_MARGIN), min(my, MAX_MARGIN)
                    col0, row0 = max(0, window.col_off - mx), max(0, window.row_off - my)
                    col1 = min(grid.width, window.col_off + window.width + mx)
                    row1 = min(grid.height, window.row_off + window.height + my)
                    read = Window(col0, row0, col1 - col0, row1 - row0)
                    data = (whole if whole is not None
                            else reader.read(1, window=read).astype(np.float64))
                    valid = _valid(data, reader.nodata)
                    codes = compute_distortion(data, (px, py), geometry, valid)
                    r, c = window.row_off - row0, window.col_off - col0
                    dst.write(codes[r:r + window.height, c:c + window.width], 1, window=window)
                    feedback.progress(10.0 + 90.0 * (i + 1) / len(blocks))
    if capped:
        feedback.warning(f"The DEM's relief ({relief:.0f} m) would need a margin of more than "
                         f"{MAX_MARGIN} pixels; distortions cast from farther away are missed. "
                         "Use a coarser DEM for very large relief.")
    return out
