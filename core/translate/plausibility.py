"""Are the inputs what they claim to be? Checked on samples before any tile runs, so a
wrong file is refused (or warned about) with its likely cause instead of being translated
into a meaningless or empty output.

SAR: calibrated backscatter lies roughly in -50..+30 dB (linear power 1e-5..1e3); 8-bit
quick-looks, scaled integers (dB x 100), uncalibrated digital numbers and optical images
are not. DEM: heights in metres inside the range the engine accepts; feet, centimetres, a
wrong band or the SAR file itself are caught here. Empty inputs are refused. The working
grid is bounded against the input's size.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from rasterio.enums import ColorInterp

from ..errors import InputError
from ..grid import RasterGrid
from ..normalization import linear_to_db
from ..raster_io import refuse_complex_dem
from .sampling import dem_heights, sample_sar

SAR_DB_RANGE = (-50.0, 30.0)
OUTSIDE_WARN = 0.01  # fraction of sampled SAR values outside SAR_DB_RANGE worth a warning
# The engine masks heights outside this range (voids written without a nodata tag, e.g.
# -32768).
DEM_VALID_RANGE_M = (-1000.0, 9000.0)
DEM_MIN_COVERAGE = 0.05  # below this the output would be (almost) all nodata
MAX_GRID_GROWTH = 16  # work-grid pixels per SAR pixel (a 40 m SAR on a 10 m model grid)
MAX_GRID_FLOOR = 1 << 22  # below this many pixels any growth is cheap
OVERVIEW = 256  # side of the decimated read that confirms an all-nodata raster
_FEET_UNITS = {"ft", "foot", "feet", "us-ft", "us survey foot", "ftus"}
_CM_UNITS = {"cm", "centimetre", "centimeter", "centimetres", "centimeters"}
_OPTICAL_COLORS = {ColorInterp.red, ColorInterp.green, ColorInterp.blue}
_OPTICAL_NAMES = {"red", "green", "blue", "nir", "b1", "b2", "b3", "b4", "b8", "b01", "b02",
                  "b03", "b04", "b05", "b06", "b07", "b08", "b8a", "b11", "b12"}


def check_sar(src, bands: tuple[int, ...], nodata: float | None, use_mask: bool, path: Path,
              linear: bool, warnings: list[str]) -> None:
    """Refuse SAR rasters that are not backscatter; warn about suspicious values."""
    name = path.name
    _refuse_optical(src, bands, name)
    dtype = np.dtype(src.dtypes[bands[0] - 1])
    if dtype.itemsize == 1:
        raise InputError(f"The SAR raster {name} is 8-bit ({dtype.name}, values 0..255): a "
                         "display quick-look or screenshot, not calibrated backscatter. Give "
                         "sigma0 in dB or linear power as float32 (SNAP: Calibrate, then "
                         "Terrain Correction, saved as GeoTIFF).")
    samples = [sample_sar(src, (b,), nodata, use_mask) for b in bands]
    if all(s.size == 0 for s in samples) and not _any_valid(src, bands, nodata, use_mask):
        raise InputError(f"The SAR raster {name} has no valid pixel: every pixel is nodata, "
                         "NaN or masked. Give a SAR raster with data (check its nodata value "
                         "with gdalinfo).")
    if all(s.size > 100 and float(np.ptp(s)) == 0.0 for s in samples):
        raise InputError(f"The SAR raster {name} holds one value everywhere it was sampled "
                         f"({', '.join(f'{s[0]:g}' for s in samples)} in bands "
                         f"{','.join(map(str, bands))}): an empty export or an undeclared "
                         "nodata fill, with no radar texture to translate. Give the "
                         "backscatter raster itself.")
    for band, values in zip(bands, samples, strict=True):
        if values.size:
            _check_band(values, band, name, linear, dtype, warnings)


def _refuse_optical(src, bands: tuple[int, ...], name: str) -> None:
    colors = set(src.colorinterp)
    labels = [(src.descriptions[b - 1] or "").strip() for b in bands]
    optical = [label for label in labels if label.lower() in _OPTICAL_NAMES]
    if len(_OPTICAL_COLORS & colors) >= 2 or ColorInterp.palette in colors or optical:
        what = ", ".join(optical) if optical else \
            ", ".join(c.name for c in src.colorinterp)
        raise InputError(f"The SAR raster {name} is an optical or colour image (its bands are "
                         f"labelled {what}), not radar backscatter; give the Sentinel-1 "
                         "VV/VH GeoTIFF (dB or linear power).")


def _any_valid(src, bands: tuple[int, ...], nodata: float | None, use_mask: bool) -> bool:
    """A decimated read of the whole raster (overviews when present) has a valid pixel."""
    from rasterio.enums import Resampling

    h, w = min(OVERVIEW, src.height), min(OVERVIEW, src.width)
    data = src.read(list(bands), out_shape=(len(bands), h, w), out_dtype="float32",
                    resampling=Resampling.nearest)
    valid = np.isfinite(data).all(axis=0)
    if nodata is not None and not math.isnan(nodata):
        valid &= (data != np.float32(nodata)).all(axis=0)
    if use_mask:
        masks = src.read_masks(list(bands), out_shape=(len(bands), h, w),
                               resampling=Resampling.nearest)
        valid &= (masks != 0).all(axis=0)
    return bool(valid.any())


def _check_band(values: np.ndarray, band: int, name: str, linear: bool, dtype: np.dtype,
                warnings: list[str]) -> None:
    median = float(np.median(values))
    lo, hi = SAR_DB_RANGE
    if not linear and values.min() >= 0.0 and median >= 2.0:
        if median > hi:
            kind = "uncalibrated digital numbers (DN) or amplitude" \
                if np.issubdtype(dtype, np.integer) else "amplitude or an optical image"
            raise InputError(
                f"SAR band {band} of {name} is not backscatter in dB or linear power: all "
                f"sampled values are positive (median {median:.4g}), as in {kind}. Calibrate "
                "to sigma0 (SNAP: Radar > Radiometric > Calibrate) and give dB or linear "
                "power.")
        warnings.append(f"SAR band {band} of {name} has only positive values (median "
                        f"{median:.3g}): neither dB (mostly negative) nor linear power (mostly "
                        "below 1). If it is amplitude, square it (power) first; the result is "
                        "unreliable as it is.")
        return
    db = linear_to_db(values.astype(np.float32)) if linear else values
    median_db = float(np.median(db))
    if median_db < lo:
        raise InputError(_scaled_message(band, name, median, linear))
    outside = (db < lo) | (db > hi)
    share = float(outside.mean())
    if share > OUTSIDE_WARN:
        constant, count = np.unique(values[outside], return_counts=True)
        top = int(count.argmax())
        if count[top] >= 0.5 * outside.sum():
            warnings.append(
                f"SAR band {band} of {name}: {100 * share:.0f}% of sampled pixels are "
                f"{constant[top]:g}, outside -50..+30 dB: probably a nodata value the file "
                f"does not declare. Declare it (gdal_edit.py -a_nodata {constant[top]:g} "
                f"{name}), or those pixels are translated as extreme backscatter.")
        else:
            warnings.append(
                f"SAR band {band} of {name}: {100 * share:.0f}% of sampled values lie outside "
                f"-50..+30 dB (from {float(db.min()):.4g} to {float(db.max()):.4g}); they are "
                "clipped to the model's range. Check the calibration.")
    if values.size > 100 and float(np.ptp(values)) == 0.0:
        warnings.append(f"SAR band {band} of {name} is constant ({values[0]:g}) wherever it "
                        "was sampled: no radar texture to translate. Check the file (an "
                        "undeclared nodata fill?).")


def _scaled_message(band: int, name: str, median: float, linear: bool) -> str:
    if linear:
        return (f"SAR band {band} of {name} looks like linear power but its values are far "
                f"too small (median {median:.3g}, below -50 dB); check the calibration.")
    for factor in (100, 10):
        if SAR_DB_RANGE[0] <= median / factor <= 0:
            return (f"SAR band {band} of {name} has values around {median:.4g}: dB scaled by "
                    f"{factor} (an integer export), not dB. Divide by {factor} first "
                    f"(gdal_calc.py -A {name} --calc=\"A/{factor}.0\" --type=Float32 "
                    "--outfile=sar_db.tif).")
    return (f"SAR band {band} of {name} has values around {median:.4g}, far below the -50 dB "
            "of the faintest backscatter; it is not sigma0 in dB. Check the file and band.")


def check_dem(dem, path: Path, grid: RasterGrid, nodata: float | None, use_mask: bool,
              sar_path: Path, uses_dem: bool, warnings: list[str]) -> float:
    """Fraction of ``grid`` with a usable height (what the engine will not mask); refuses
    DEMs whose values are not heights in metres or that cover too little of the SAR."""
    name = path.name
    if path.resolve() == sar_path.resolve():
        raise InputError(f"The DEM and the SAR are the same file ({name}); give the DEM "
                         "(heights in metres) as the DEM input.")
    refuse_complex_dem(dem, name)
    _check_units(dem, name)
    heights, inside, total = dem_heights(dem, grid, nodata, use_mask)
    lo, hi = DEM_VALID_RANGE_M
    usable = (heights >= lo) & (heights <= hi)
    if heights.size and usable.mean() < 0.5:
        raise InputError(_not_metres(name, heights))
    coverage = float(usable.sum()) / float(total)
    if inside == 0:
        raise InputError(f"The DEM {name} covers only a small part of the SAR image (none of "
                         f"the {total} points sampled over the SAR falls inside it); give a "
                         "DEM that covers the SAR footprint.")
    if coverage <= 0.0:
        return coverage  # preflight's own message: the DEM has no data over the SAR
    if heights.size > 20:
        _warn_odd_heights(dem, name, heights[usable], warnings)
    if uses_dem and coverage < DEM_MIN_COVERAGE:
        raise InputError(f"The DEM {name} covers only a small part of the SAR image (about "
                         f"{100 * coverage:.1f}%), so the output would be almost all nodata; "
                         "give a DEM that covers the SAR footprint.")
    if uses_dem and coverage < 0.5:
        warnings.append(f"The DEM {name} covers only a small part of the SAR image (about "
                        f"{100 * coverage:.0f}%); pixels without DEM become nodata in the "
                        "output.")
    return coverage


def _check_units(dem, name: str) -> None:
    unit = (dem.units[0] or "").strip().lower() if dem.units else ""
    if unit in _FEET_UNITS or unit in _CM_UNITS:
        factor, word = ("0.3048", "feet") if unit in _FEET_UNITS else ("0.01", "centimetres")
        raise InputError(f"The DEM {name} stores heights in {word} (its unit is '{unit}'); "
                         f"metres are needed. Convert it (gdal_calc.py -A {name} "
                         f"--calc=\"A*{factor}\" --type=Float32 --outfile=dem_m.tif).")


def check_height_raster(src, name: str, warnings: list[str]) -> None:
    """For a DEM used on its own (the distortion mask): its unit and a decimated look at
    its values; refuses values that are not heights in metres, warns about odd ones."""
    from rasterio.enums import Resampling

    _check_units(src, name)
    h, w = min(OVERVIEW, src.height), min(OVERVIEW, src.width)
    data = src.read(1, out_shape=(h, w), out_dtype="float64", resampling=Resampling.nearest)
    valid = np.isfinite(data)
    if src.nodata is not None and not math.isnan(src.nodata):
        valid &= data != src.nodata
    heights = data[valid]
    if not heights.size:
        return
    lo, hi = DEM_VALID_RANGE_M
    usable = (heights >= lo) & (heights <= hi)
    if usable.mean() < 0.5:
        raise InputError(_not_metres(name, heights))
    if heights.size > 20:
        _warn_odd_heights(src, name, heights[usable], warnings)


def _not_metres(name: str, heights: np.ndarray) -> str:
    top, low = float(heights.max()), float(heights.min())
    median = float(np.median(heights))
    if median > DEM_VALID_RANGE_M[1]:
        guess = ("centimetres (divide by 100)" if median > 30000 else
                 "feet (multiply by 0.3048) or decimetres (divide by 10)")
        return (f"The DEM {name} has heights around {median:.0f} (up to {top:.0f}), above "
                f"any mountain in metres: probably {guess}. Convert it to metres, or check "
                "that it is a DEM.")
    return (f"The DEM {name} has values down to {low:.4g} (median {median:.4g}), below any "
            "land height in metres: an undeclared nodata value (declare it with gdal_edit.py "
            f"-a_nodata VALUE {name}) or not heights at all. Check the file.")


def _warn_odd_heights(dem, name: str, heights: np.ndarray, warnings: list[str]) -> None:
    if not heights.size:
        return
    median, low, top = float(np.median(heights)), float(heights.min()), float(heights.max())
    if np.dtype(dem.dtypes[0]).itemsize == 1:
        warnings.append(f"The DEM {name} is 8-bit (0..255): a shaded relief or colour image "
                        "rather than heights in metres? Check that it is a DEM.")
    elif median < -5.0 and top < 30.0 and low > -60.0:
        warnings.append(f"The DEM {name} has values from {low:.3g} to {top:.3g} (median "
                        f"{median:.3g}): they look like SAR backscatter in dB, not heights "
                        "in metres. Check that the DEM input is the DEM (band 1 is read).")
    elif float(np.ptp(heights)) == 0.0:
        warnings.append(f"The DEM {name} is {median:g} m everywhere it was sampled: a "
                        "placeholder? The model then sees flat terrain.")


def check_work_grid(sar: RasterGrid, work: RasterGrid, path: Path,
                    model_pixel_m: float | None) -> None:
    """Refuse a working grid far larger than the SAR itself (it would run for hours)."""
    sar_pixels = sar.width * sar.height
    work_pixels = work.width * work.height
    if work_pixels <= max(MAX_GRID_GROWTH * sar_pixels, MAX_GRID_FLOOR):
        return
    pixel = f"{model_pixel_m:g} m" if model_pixel_m else "its metric"
    raise InputError(
        f"Translating {path.name} ({sar.width}x{sar.height} pixels) on the model's {pixel} "
        f"grid would need {work.width}x{work.height} pixels ({work_pixels / 1e6:.4g} "
        f"Mpixels, {work_pixels / max(1, sar_pixels):.3g} times the SAR): its pixels are far "
        "larger than the model's. Give a SAR at about the model's pixel size, or weights "
        "trained for this pixel size.")
