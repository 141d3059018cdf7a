"""File helpers shared by the readers: listing patches by name, reading rasters, masks."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ...core.errors import InputError

RASTER_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")

# Sentinel-2 scene classification (SCL) classes that must not be trained on:
# 0 no data, 1 saturated/defective, 3 cloud shadow, 8/9 cloud medium/high, 10 cirrus, 11 snow.
SCL_INVALID = (0, 1, 3, 8, 9, 10, 11)


def list_rasters(folder: Path) -> dict[str, Path]:
    """Map file stem -> path for the rasters in ``folder`` (hidden files ignored)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in RASTER_SUFFIXES:
            continue
        if path.stem in found:
            raise InputError(f"{folder} holds both {found[path.stem].name} and {path.name}; "
                             "keep one file per patch name.")
        found[path.stem] = path
    return found


def match_names(reference: dict[str, Path], other: dict[str, Path], ref_dir: Path,
                other_dir: Path) -> None:
    """Raise an error naming the first unmatched file when two folders differ in names."""
    missing = sorted(set(reference) - set(other))
    extra = sorted(set(other) - set(reference))
    if missing:
        raise InputError(f"{reference[missing[0]]} has no matching file in {other_dir} "
                         f"({len(missing)} unmatched in all); patches are paired by file name, "
                         "so give every patch the same name in each folder.")
    if extra:
        raise InputError(f"{other[extra[0]]} has no matching file in {ref_dir} "
                         f"({len(extra)} unmatched in all); remove it or add its partner.")


@contextmanager
def _quiet() -> Iterator[None]:
    """PNG patches carry no georeferencing; that is expected, not worth a warning."""
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


def read_raster(path: Path) -> tuple[np.ndarray, float | None]:
    """All bands as (bands, H, W) plus the nodata value; a readable error on failure."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with _quiet(), rasterio.open(path) as src:
            return src.read(), src.nodata
    except RasterioIOError as exc:
        raise InputError(f"{path} cannot be read as a raster ({exc}); check that the file is "
                         "a complete GeoTIFF or PNG.") from exc


def raster_header(path: Path) -> tuple[int, int, int, str]:
    """(bands, height, width, dtype) without reading pixels."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with _quiet(), rasterio.open(path) as src:
            return src.count, src.height, src.width, src.dtypes[0]
    except RasterioIOError as exc:
        raise InputError(f"{path} cannot be read as a raster ({exc}); check that the file is "
                         "a complete GeoTIFF or PNG.") from exc


def pixel_size(path: Path) -> float | None:
    """Ground pixel size in metres of a projected raster, None otherwise."""
    import rasterio

    with _quiet(), rasterio.open(path) as src:
        if src.crs is None or not src.crs.is_projected:
            return None
        return float(abs(src.transform.a))


def nodata_mask(data: np.ndarray, nodata: float | None) -> np.ndarray:
    """(H, W) True where every band holds data."""
    if nodata is None:
        return np.ones(data.shape[1:], bool)
    if np.isnan(nodata):
        return ~np.isnan(data).any(axis=0)
    return ~(data == nodata).any(axis=0)


def usable_from_mask(mask: np.ndarray, is_scl: bool) -> np.ndarray:
    """(H, W) True where a cloud/snow mask allows training.

    A Sentinel-2 SCL layer is read by class (``SCL_INVALID``); any other mask marks
    unusable pixels with a non-zero value.
    """
    band = mask[0]
    if is_scl:
        return ~np.isin(band, SCL_INVALID)
    return band == 0


def optical_scale_for(dtype: str) -> float:
    """Default optical scale from the data type: 8-bit images are /255, 16-bit Sentinel-2
    reflectance is /3000 (see base.S2_DISPLAY_SCALE), float images are taken as [0, 1]."""
    from .base import S2_DISPLAY_SCALE

    if dtype == "uint8":
        return 255.0
    if dtype in ("uint16", "int16", "int32", "uint32"):
        return S2_DISPLAY_SCALE
    return 1.0
