"""The grid the model runs on: the SAR's own, or (geographic CRS, rotated grid, pixel size
far from the model's) a north-up metric grid at the model's pixel size covering the same
ground, from which the result is warped back onto the SAR's grid."""
from __future__ import annotations

from pathlib import Path

from rasterio.warp import calculate_default_transform

from ..errors import InputError
from ..grid import RasterGrid, utm_crs

PIXEL_TOLERANCE = 1.25  # a SAR pixel within 25 % of the model's is used as it is


def work_grid_for(sar: RasterGrid, model_pixel_m: float | None, warnings: list[str],
                  sar_path: Path) -> RasterGrid:
    """The SAR grid itself when the model can run on it, else a resampled metric grid."""
    if sar.crs is None:
        raise InputError(f"The SAR raster {sar_path.name} has no coordinate reference system; "
                         "assign one (gdal_edit.py -a_srs EPSG:...) or give a georeferenced "
                         "GeoTIFF.")
    if not (sar.crs.is_projected or sar.crs.is_geographic):
        raise InputError(f"The SAR raster's CRS {sar.crs} is neither projected nor "
                         "geographic; warp it to a UTM zone first (gdalwarp -t_srs EPSG:326xx).")
    reasons = []
    crs = sar.crs
    if sar.crs.is_geographic:
        lon, lat = sar.centre_lonlat()
        crs = utm_crs(lon, lat)
        reasons.append(f"it is in geographic coordinates ({sar.crs.to_string()}); the model "
                       f"runs in {crs.to_string()}")
    if not sar.is_north_up:
        reasons.append("its grid is rotated; the model runs on a north-up grid")
    pixel_m = _metric_pixel(sar)
    target = model_pixel_m or sum(pixel_m) / 2.0
    ratios = [p / target for p in pixel_m]
    if model_pixel_m and any(r > PIXEL_TOLERANCE or r < 1.0 / PIXEL_TOLERANCE for r in ratios):
        reasons.append(f"its pixels ({pixel_m[0]:.3g} x {pixel_m[1]:.3g} m) are far from the "
                       f"model's training pixel size ({model_pixel_m:g} m); it is resampled to "
                       f"{model_pixel_m:g} m for the model")
    if not reasons:
        return sar
    res = target / float(crs.linear_units_factor[1])  # metres -> the CRS's linear unit
    transform, width, height = calculate_default_transform(
        sar.crs, crs, sar.width, sar.height, *sar.bounds, resolution=(res, res))
    warnings.append(f"The SAR raster {sar_path.name} is translated on another grid because "
                    + "; ".join(reasons) + ". The result is resampled back onto the SAR grid.")
    return RasterGrid(crs, transform, int(width), int(height))


def _metric_pixel(grid: RasterGrid) -> tuple[float, float]:
    """Ground pixel size in metres, also for rotated grids (length of the pixel vectors)."""
    if grid.is_north_up:
        return grid.metric_pixel_size()
    t = grid.transform
    sx, sy = (t.a ** 2 + t.d ** 2) ** 0.5, (t.b ** 2 + t.e ** 2) ** 0.5
    if grid.crs.is_projected:
        f = float(grid.crs.linear_units_factor[1])
        return sx * f, sy * f
    raise InputError("The SAR raster is rotated and in geographic coordinates; warp it to a "
                     "north-up UTM grid first (gdalwarp -t_srs EPSG:326xx).")
