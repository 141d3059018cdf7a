"""The cheaper arithmetic of the change pass and the distortion mask (issue 16, cost of
``sardine change``) against the plain formulas it replaced: equal where it is exact, within
the documented tolerance (docs/CHANGE.md, "Cost on CPU") where it is float32 arithmetic."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.windows import Window
from sardine.core.change.metrics import delta_e_lab, smoothed_db, srgb_to_lab
from sardine.core.change.reading import GridReader
from sardine.core.distortion import LAYOVER, NONE, SHADOW, compute_distortion
from sardine.core.distortion.frame import RangeFrame
from sardine.core.distortion.mask import fill_nodata, range_line_flags
from sardine.core.geometry import AcquisitionGeometry
from sardine.core.grid import RasterGrid
from scipy import ndimage
from support import write_raster

LAB_TOLERANCE = 1e-3  # CIELAB units
DB_TOLERANCE = 1e-4  # dB


def _lab_float64(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) by the textbook formula in float64."""
    c = np.asarray(rgb, np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    matrix = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
    white = np.array([0.95047, 1.0, 1.08883])
    xyz = np.tensordot(matrix / white[:, None], linear, axes=1)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_lab_is_within_tolerance_of_the_float64_formula():
    every = np.arange(256, dtype=np.uint8)
    rgb = np.stack(np.meshgrid(every, every[::5], every[::7], indexing="ij")).reshape(3, 256, -1)
    lab = srgb_to_lab(rgb)
    assert lab.dtype == np.float32
    assert np.abs(lab - _lab_float64(rgb)).max() < LAB_TOLERANCE
    assert np.abs(srgb_to_lab(rgb.astype(np.float64)) - _lab_float64(rgb)).max() < LAB_TOLERANCE


def _smoothed_float64(db: np.ndarray, radius: int = 3) -> np.ndarray:
    """10 log10 of the 7x7 mean of the valid intensities, float64; NaN where invalid."""
    valid = np.isfinite(db)
    size = 2 * radius + 1
    power = np.where(valid, 10.0 ** (np.where(valid, db, 0.0) / 10.0), 0.0)
    weight = ndimage.uniform_filter(valid.astype(np.float64), size, mode="nearest")
    total = ndimage.uniform_filter(power, size, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 10.0 * np.log10(total / weight)
    out[~valid | (weight < 1e-4)] = np.nan
    return out


@pytest.mark.parametrize("same_holes", [True, False])
def test_smoothed_db_is_within_tolerance_of_the_float64_formula(same_holes):
    rng = np.random.default_rng(3)
    db = rng.normal(-14.0, 5.0, (2, 70, 90)).astype(np.float32)
    db[:, 10:14, 20:60] = np.nan
    if not same_holes:
        db[1, 40:50, 5:9] = np.nan
    out = smoothed_db(db)
    expected = np.stack([_smoothed_float64(band) for band in db])
    assert out.dtype == np.float32 and out.shape == db.shape
    assert np.array_equal(np.isnan(out), np.isnan(expected))
    assert np.nanmax(np.abs(out - expected)) < DB_TOLERANCE
    assert np.array_equal(smoothed_db(db[1]), out[1], equal_nan=True)


def _flags_two_passes(dem: np.ndarray, geometry: AcquisitionGeometry
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Layover and shadow on the DEM's pixels as compute_distortion found them before:
    the usable heights resampled onto the frame, each flag mapped back on its own."""
    usable = np.isfinite(dem)
    frame = RangeFrame(dem.shape, (10.0, 10.0), geometry.look_azimuth_deg)
    known = frame.inside() & (frame.to_frame(usable.astype(np.float32)) > 0.5)
    layover, shadow = range_line_flags(frame.to_frame(fill_nodata(dem, usable)),
                                       frame.ground_range(), geometry.incidence_deg, known)
    return (frame.from_frame(layover.astype(np.uint8), order=0).astype(bool),
            frame.from_frame(shadow.astype(np.uint8), order=0).astype(bool))


@pytest.mark.parametrize("heading", [0.0, 190.0, 33.0])
@pytest.mark.parametrize("holes", [False, True])
def test_mask_in_one_pass_equals_two_passes(heading, holes):
    rows, cols = np.mgrid[0:90, 0:110].astype(np.float64)
    dem = 900.0 + 400.0 * np.sin(rows / 9.0) * np.cos(cols / 13.0) + 3.0 * cols
    if holes:
        dem[30:36, 40:52] = np.nan
    geometry = AcquisitionGeometry(39.0, heading)
    codes = compute_distortion(dem, (10.0, 10.0), geometry)
    layover, shadow = _flags_two_passes(dem, geometry)
    usable = np.isfinite(dem)
    assert np.array_equal(codes[usable] == LAYOVER, layover[usable])
    assert np.array_equal(codes[usable] == SHADOW, (shadow & ~layover)[usable])
    assert layover.any() and (shadow & ~layover).any() and (codes == NONE).any()


@pytest.mark.parametrize("nodata", [float("nan"), -9999.0, None])
def test_grid_reader_gives_what_the_masked_read_gave(tmp_path, nodata):
    """NaN nodata (or none) is read plainly; any other nodata through the masked read:
    either way NaN exactly where GDAL masks the pixel, on the raster's grid and warped."""
    rng = np.random.default_rng(5)
    data = rng.normal(-12.0, 3.0, (2, 40, 50)).astype(np.float32)
    data[:, 5:9, 10:20] = np.nan if nodata is None else nodata
    path = write_raster(tmp_path / "sar.tif", data, nodata=nodata)
    with rasterio.open(path) as src:
        grid = RasterGrid.from_dataset(src)
    shifted = RasterGrid(grid.crs, grid.transform * Affine.translation(0.5, 0.25), 45, 35)
    for target in (grid, shifted):
        with GridReader(path, target, (1, 2)) as reader:
            window = Window(3, 2, 30, 25)
            masked = reader._ds.read([1, 2], window=window, masked=True)
            expected = np.ma.filled(masked.astype(np.float32), np.float32(np.nan))
            assert np.array_equal(reader.read(window), expected, equal_nan=True)
            assert np.isnan(reader.read(window)).any()


def test_all_valid_boxes_skip_the_weights_with_identical_results():
    """Where every pixel is valid the box mean of the weights is exactly 1, so the change
    measures skip it; the result equals the general path's (one NaN pixel far away)."""
    rng = np.random.default_rng(9)
    db = rng.normal(-14.0, 5.0, (2, 60, 70)).astype(np.float32)
    holed = np.concatenate([db, np.full((2, 60, 10), np.nan, np.float32)], axis=2)
    assert np.array_equal(smoothed_db(db)[:, :, :60], smoothed_db(holed)[:, :, :60])
    pre, post = (rng.normal(50.0, 20.0, (3, 60, 70)).astype(np.float32) for _ in range(2))
    valid = np.ones((60, 70), bool)
    with_hole = np.concatenate([valid, np.zeros((60, 10), bool)], axis=1)
    pad = np.zeros((3, 60, 10), np.float32)
    far = delta_e_lab(np.concatenate([pre, pad], 2), np.concatenate([post, pad], 2), with_hole)
    assert np.array_equal(delta_e_lab(pre, post, valid)[:, :60], far[:, :60])
