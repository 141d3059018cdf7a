"""The analyst's site on the SAR grid: SAR, DEM, optical truth and the clear-pixel mask.

The SAR grid is the working grid (translation will run on it). The DEM, the optical image
and the cloud mask may be in any CRS and resolution: each is read through a WarpedVRT onto
the SAR grid, strip by strip, as translation does with the DEM. The site is held in memory
(training samples patches from all of it), so its size is capped; a larger SAR is refused
with the fix (clip it to the site).
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ...core.errors import InputError
from ...core.feedback import Feedback
from ...core.grid import RasterGrid, bounds_in, overlap
from ...core.normalization import Normalization, linear_to_db, looks_linear
from ...core.raster_io import nearest_fill, open_raster, uses_mask_band
from .config import AdaptConfig
from .masks import MASK_READERS
from .optical import OpticalScaling, check_bands, detect_scaling, guess_bands

MAX_PIXELS = 4096 * 4096
STRIP_ROWS = 512
DEM_VALID_RANGE_M = (-1000.0, 9000.0)


@dataclass
class Site:
    grid: RasterGrid
    sar: np.ndarray            # (C, H, W) unit-scaled, gaps filled
    dem: np.ndarray | None     # (1, H, W) unit-scaled, gaps filled
    dem_m: np.ndarray | None   # (H, W) metres (for the distortion regions)
    optical: np.ndarray        # (3, H, W) in [0, 1]
    valid: np.ndarray          # (H, W) bool: SAR, DEM, optical present and clear
    bands: tuple[int, int, int]
    bands_how: str
    scaling: OpticalScaling
    excluded: dict[str, int]   # pixels left out, by reason

    @property
    def shape(self) -> tuple[int, int]:
        return self.grid.height, self.grid.width


def _strips(height: int, width: int):
    for row in range(0, height, STRIP_ROWS):
        yield Window(0, row, width, min(STRIP_ROWS, height - row))


def _warped(stack: ExitStack, path: Path, role: str, grid: RasterGrid,
            resampling: Resampling, nodata: float | None = None):
    src = stack.enter_context(open_raster(path, role))
    if src.crs is None:
        raise InputError(f"The {role} raster {path.name} has no coordinate reference system, "
                         "so it cannot be placed on the SAR grid; assign one (gdal_edit.py "
                         "-a_srs EPSG:...).")
    left, bottom, right, top = bounds_in(src.crs, src.bounds, grid.crs)
    if not overlap((left, bottom, right, top), grid.bounds):
        raise InputError(f"The {role} raster {path.name} does not overlap the SAR image "
                         f"(its bounds in the SAR CRS: {left:.6g}, {bottom:.6g}, {right:.6g}, "
                         f"{top:.6g}; SAR: {', '.join(f'{v:.6g}' for v in grid.bounds)}); "
                         f"give a {role} of the same site.")
    src_nodata = src.nodata if nodata is None else nodata
    vrt = stack.enter_context(WarpedVRT(
        src, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height,
        src_nodata=src_nodata, nodata=float("nan"), dtype="float32", resampling=resampling))
    return src, vrt


def _down(src, grid: RasterGrid) -> bool:
    """True when the source pixels are finer than the SAR's (average, not interpolate)."""
    try:
        ox, oy = RasterGrid.from_dataset(src).metric_pixel_size()
        gx, gy = grid.metric_pixel_size()
    except InputError:
        return False
    return ox * oy < gx * gy


def read_site(cfg: AdaptConfig, norm: Normalization, uses_dem: bool,
              feedback: Feedback) -> Site:
    """Everything on the SAR grid; raises InputError for unusable inputs."""
    with ExitStack() as stack:
        sar_src = stack.enter_context(open_raster(cfg.sar, "SAR"))
        grid = RasterGrid.from_dataset(sar_src)
        if grid.crs is None:
            raise InputError(f"The SAR raster {Path(cfg.sar).name} has no coordinate reference "
                             "system; give a terrain-corrected GeoTIFF.")
        if grid.width * grid.height > MAX_PIXELS:
            raise InputError(f"The SAR raster is {grid.width} x {grid.height} px; adaptation "
                             f"holds the site in memory and takes at most {MAX_PIXELS:,} px "
                             "(e.g. 4096 x 4096). Clip the SAR to your site first (QGIS: "
                             "Raster > Extraction > Clip, or gdal_translate -srcwin).")
        bad = [b for b in cfg.sar_bands if not 1 <= b <= sar_src.count]
        if bad or len(cfg.sar_bands) != len(norm.sar_bands):
            raise InputError(f"The base model takes {len(norm.sar_bands)} SAR band(s) "
                             f"({','.join(norm.sar_bands)}); the SAR raster has "
                             f"{sar_src.count} and bands "
                             f"{','.join(map(str, cfg.sar_bands))} were chosen; choose "
                             f"{len(norm.sar_bands)} of its bands, or stack VV and VH first "
                             "(gdalbuildvrt -separate sar.vrt VV.tif VH.tif).")
        opt_src = stack.enter_context(open_raster(cfg.optical, "optical"))
        bands, how = (cfg.optical_bands, "as given") if cfg.optical_bands else \
            guess_bands(tuple(opt_src.descriptions))
        check_bands(bands, opt_src.count)
        scaling = detect_scaling(opt_src, bands, opt_src.nodata)
        int_zero_is_nodata = opt_src.nodata is None and \
            np.issubdtype(np.dtype(opt_src.dtypes[bands[0] - 1]), np.integer)
        down = _down(opt_src, grid)
        _, optical_vrt = _warped(stack, Path(cfg.optical), "optical", grid,
                                 Resampling.average if down else Resampling.bilinear,
                                 0.0 if int_zero_is_nodata else None)
        dem_vrt = None
        if uses_dem:
            if cfg.dem is None:
                raise InputError("The base model fuses a DEM but no --dem was given; give the "
                                 "DEM of the site, or a SAR-only base (--base sardinet).")
            _, dem_vrt = _warped(stack, Path(cfg.dem), "DEM", grid, Resampling.bilinear)
        mask_vrt, mask_kind = None, None
        if cfg.scl is not None:
            _, mask_vrt = _warped(stack, Path(cfg.scl), "SCL", grid, Resampling.nearest,
                                  nodata=-1.0)
            mask_kind = "scl"
        elif cfg.cloud_mask is not None:
            _, mask_vrt = _warped(stack, Path(cfg.cloud_mask), "cloud mask", grid,
                                  Resampling.max, nodata=-1.0)
            mask_kind = "mask"
        sar_nodata = sar_src.nodata
        sar_mask = uses_mask_band(sar_src, tuple(cfg.sar_bands))

        h, w = grid.height, grid.width
        sar_db = np.empty((len(cfg.sar_bands), h, w), np.float32)
        optical = np.empty((3, h, w), np.float32)
        dem_m = np.empty((h, w), np.float32) if dem_vrt is not None else None
        counts = dict.fromkeys(("sar", "optical nodata", "cloud mask", "dem"), 0)
        valid = np.empty((h, w), bool)
        strips = list(_strips(h, w))
        for i, window in enumerate(strips):
            feedback.check_cancelled()
            rows = slice(window.row_off, window.row_off + window.height)
            data = sar_src.read(list(cfg.sar_bands), window=window, out_dtype="float32")
            ok = np.isfinite(data).all(axis=0)
            if sar_nodata is not None and np.isfinite(sar_nodata):
                ok &= (data != np.float32(sar_nodata)).all(axis=0)
            if sar_mask:
                ok &= (sar_src.read_masks(list(cfg.sar_bands), window=window) != 0).all(0)
            counts["sar"] += int((~ok).sum())
            sar_db[:, rows] = data
            raw = optical_vrt.read(list(bands), window=window)
            opt_ok = np.isfinite(raw).all(axis=0)
            counts["optical nodata"] += int((ok & ~opt_ok).sum())
            ok &= opt_ok
            optical[:, rows] = norm_optical(raw, scaling)
            if mask_vrt is not None:
                clear = MASK_READERS[mask_kind](mask_vrt.read(1, window=window))
                counts["cloud mask"] += int((ok & ~clear).sum())
                ok &= clear
            if dem_vrt is not None:
                heights = dem_vrt.read(1, window=window)
                lo, hi = DEM_VALID_RANGE_M
                dem_ok = np.isfinite(heights) & (heights >= lo) & (heights <= hi)
                counts["dem"] += int((ok & ~dem_ok).sum())
                ok &= dem_ok
                dem_m[rows] = heights
            valid[rows] = ok
            feedback.progress(5.0 * (i + 1) / len(strips))
    sar_ok = np.isfinite(sar_db).all(axis=0)
    if looks_linear(sar_db[:, sar_ok][:, ::97]):
        sar_db = linear_to_db(sar_db)
    sar = nearest_fill(norm.sar_to_unit(sar_db), sar_ok)
    del sar_db
    dem = None
    if dem_m is not None:
        dem_ok = np.isfinite(dem_m)
        dem = nearest_fill(norm.dem_to_unit(dem_m[None]), dem_ok)
    optical = np.nan_to_num(optical, nan=0.0)
    return Site(grid, sar, dem, dem_m, optical, valid, bands, how, scaling,
                {k: v for k, v in counts.items() if v})


def norm_optical(raw: np.ndarray, scaling: OpticalScaling) -> np.ndarray:
    """Raw optical values (NaN where missing) -> [0, 1], NaN kept."""
    values = (raw + np.float32(scaling.offset)) / np.float32(scaling.scale)
    return np.clip(values, 0.0, 1.0, where=np.isfinite(values), out=values)
