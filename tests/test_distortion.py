"""Distortion masks on analytic terrains with known answers, as rasters, and from the CLI."""
from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from affine import Affine
from conftest import run_cli
from rasterio.crs import CRS
from sardine.core.distortion import (
    FORESHORTENING,
    LAYOVER,
    NODATA,
    NONE,
    SHADOW,
    compute_distortion,
    local_incidence,
    write_distortion_raster,
)
from sardine.core.distortion import raster as distortion_raster
from sardine.core.errors import InputError
from sardine.core.geometry import AcquisitionGeometry
from sardine.core.grid import RasterGrid, metres_per_degree

PX = 10.0
EAST = AcquisitionGeometry(39.0, 0.0, "right")  # flying north, looking east


def ramp(n: int, slope_deg: float, geometry: AcquisitionGeometry, px: float = PX,
         py: float = PX) -> np.ndarray:
    """A plane rising by ``slope_deg`` towards far range (negative: towards the sensor)."""
    rows, cols = np.mgrid[0:n, 0:n].astype(np.float64)
    phi = math.radians(geometry.look_azimuth_deg)
    along = cols * px * math.sin(phi) - rows * py * math.cos(phi)
    return 800.0 + along * math.tan(math.radians(slope_deg))


def interior_codes(mask: np.ndarray, margin: int = 4) -> set[int]:
    h, w = mask.shape
    return set(np.unique(mask[margin:h - margin, margin:w - margin]).tolist())


@pytest.mark.parametrize("heading,look", [(0.0, "right"), (190.0, "right"), (33.0, "left")])
def test_flat_plane_has_no_distortion(heading, look):
    geometry = AcquisitionGeometry(39.0, heading, look)
    mask = compute_distortion(np.full((40, 50), 1234.0), (PX, PX), geometry)
    assert mask.dtype == np.uint8
    assert interior_codes(mask, 0) == {NONE}
    assert np.allclose(local_incidence(np.full((8, 8), 5.0), (PX, PX), geometry), 39.0)


@pytest.mark.parametrize("heading,look", [(0.0, "right"), (190.0, "right"), (77.0, "left")])
@pytest.mark.parametrize("slope,expected", [(50.0, LAYOVER), (20.0, FORESHORTENING),
                                            (-30.0, NONE), (-60.0, SHADOW)])
def test_ramps(heading, look, slope, expected):
    """Facing the sensor: steeper than theta = layover, gentler = foreshortening; facing away:
    steeper than 90 - theta = shadow, gentler = nothing."""
    geometry = AcquisitionGeometry(39.0, heading, look)
    mask = compute_distortion(ramp(48, slope, geometry), (PX, PX), geometry)
    assert interior_codes(mask) == {expected}


def test_local_incidence_of_a_ramp():
    geometry = AcquisitionGeometry(35.0, 190.0)
    inc = local_incidence(ramp(20, 20.0, geometry), (PX, PX), geometry)
    assert np.allclose(inc[2:-2, 2:-2], 15.0, atol=1e-3)
    inc = local_incidence(ramp(20, -20.0, geometry), (PX, PX), geometry)
    assert np.allclose(inc[2:-2, 2:-2], 55.0, atol=1e-3)


def test_ridge_casts_shadow_and_layover_of_the_right_length():
    """A 300 m wall: shadow behind it for 300 tan(theta) m, layover before it for
    300 / tan(theta) m (the flat ground sharing slant ranges with the wall)."""
    dem = np.zeros((20, 200))
    dem[:, 60] = 300.0
    mask = compute_distortion(dem, (PX, PX), EAST)[10]
    theta = math.radians(39.0)
    shadow = np.flatnonzero(mask == SHADOW)
    assert shadow.min() == 61
    assert abs(len(shadow) - 300.0 * math.tan(theta) / PX) <= 1.5
    layover = np.flatnonzero(mask == LAYOVER)
    assert layover.max() == 60
    assert abs((60 - layover.min()) - 300.0 / math.tan(theta) / PX) <= 1.5
    assert (mask[:20] == NONE).all() and (mask[100:] == NONE).all()


def _hills(n: int = 96, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:n, 0:n] * PX
    dem = np.zeros((n, n))
    for _ in range(6):
        cy, cx = rng.uniform(0, n * PX, 2)
        dem += rng.uniform(150, 500) * np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2)
                                              / rng.uniform(80, 200) ** 2)
    return dem


def test_heading_rotated_by_180_mirrors_the_masks():
    dem = _hills()
    east = compute_distortion(dem, (PX, PX), AcquisitionGeometry(39.0, 0.0))
    west = compute_distortion(dem[:, ::-1], (PX, PX), AcquisitionGeometry(39.0, 180.0))
    assert (east == west[:, ::-1]).all()
    assert {LAYOVER, SHADOW, FORESHORTENING} <= set(np.unique(east).tolist())
    # Oblique: the scene turned by 180 deg with the heading turned by 180 deg.
    a = compute_distortion(dem, (PX, PX), AcquisitionGeometry(39.0, 190.0))
    b = compute_distortion(dem[::-1, ::-1], (PX, PX), AcquisitionGeometry(39.0, 10.0))
    assert (a == b[::-1, ::-1]).mean() > 0.995
    # Left-looking from the opposite heading sees the same as right-looking.
    left = compute_distortion(dem, (PX, PX), AcquisitionGeometry(39.0, 180.0, "left"))
    assert (left == east).all()


def test_nodata_holes_stay_nodata():
    dem = _hills(64)
    dem[20:30, 20:30] = np.nan
    mask = compute_distortion(dem, (PX, PX), EAST)
    assert (mask[20:30, 20:30] == NODATA).all()
    assert (mask[~np.isnan(dem)] != NODATA).all()
    valid = np.ones(dem.shape, bool)
    valid[:5] = False
    assert (compute_distortion(np.nan_to_num(dem), (PX, PX), EAST, valid)[:5] == NODATA).all()


def test_incidence_outside_range_is_refused():
    for bad in (0.0, 90.0, -5.0, 120.0):
        with pytest.raises(InputError, match="outside"):
            AcquisitionGeometry(bad, 190.0)


def write_dem(path, dem: np.ndarray, crs: str = "EPSG:32632",
              transform: Affine | None = None, nodata: float | None = None) -> None:
    transform = transform or Affine(PX, 0, 500000.0, 0, -PX, 5100000.0)
    with rasterio.open(path, "w", driver="GTiff", width=dem.shape[1], height=dem.shape[0],
                       count=1, dtype="float32", crs=CRS.from_user_input(crs),
                       transform=transform, nodata=nodata) as dst:
        dst.write(dem.astype(np.float32), 1)


def test_windowed_raster_equals_whole_array(tmp_path, monkeypatch):
    """Small windows with a relief-wide margin give the same mask as the whole DEM."""
    monkeypatch.setattr(distortion_raster, "BLOCK", 32)
    dem = _hills(100)
    dem[40:44, 70:75] = -9999.0
    write_dem(tmp_path / "dem.tif", dem, nodata=-9999.0)
    out = write_distortion_raster(tmp_path / "dem.tif", tmp_path / "mask.tif", EAST)
    expected = compute_distortion(np.where(dem == -9999.0, np.nan, dem), (PX, PX), EAST)
    with rasterio.open(out) as src:
        mask = src.read(1)
        assert src.nodata == NODATA
        assert src.crs == CRS.from_epsg(32632)
        assert "2 layover" in src.tags()["DISTORTION_CODES"]
        assert "layover" in src.descriptions[0]
    assert (mask == expected).all()
    assert (mask[40:44, 70:75] == NODATA).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "mask.tif"]


def test_target_grid_warps_the_dem_first(tmp_path):
    dem = _hills(80)
    write_dem(tmp_path / "dem.tif", dem)
    target = RasterGrid(CRS.from_epsg(32632), Affine(20.0, 0, 500105.0, 0, -20.0, 5099895.0),
                        30, 25)
    out = write_distortion_raster(tmp_path / "dem.tif", tmp_path / "mask.tif", EAST,
                                  target=target)
    with rasterio.open(out) as src:
        assert (src.width, src.height) == (30, 25)
        assert src.transform == target.transform
        mask = src.read(1)
    assert mask.max() < NODATA and (mask == LAYOVER).any()


def test_geographic_dem_is_measured_in_metres(tmp_path):
    """A 50 deg ramp in EPSG:4326: degrees converted to metres, so it is still layover
    (read as metres it would be a near-flat plane with no distortion)."""
    lat = 46.0
    m_lon, m_lat = metres_per_degree(lat)
    step = 1.0 / 3600.0
    n = 40
    cols = np.arange(n)[None, :] * step * m_lon
    dem = np.repeat(800.0 + cols * math.tan(math.radians(50.0)), n, axis=0)
    write_dem(tmp_path / "geo.tif", dem, "EPSG:4326",
              Affine(step, 0, 7.0, 0, -step, lat + n * step / 2))
    out = write_distortion_raster(tmp_path / "geo.tif", tmp_path / "mask.tif", EAST)
    with rasterio.open(out) as src:
        assert src.crs == CRS.from_epsg(4326)
        assert interior_codes(src.read(1)) == {LAYOVER}


def test_rotated_or_unreferenced_dem_is_refused(tmp_path):
    write_dem(tmp_path / "rot.tif", _hills(16),
              transform=Affine(PX, 2.0, 500000.0, 2.0, -PX, 5100000.0))
    with pytest.raises(InputError, match="north-up"):
        write_distortion_raster(tmp_path / "rot.tif", tmp_path / "m.tif", EAST)
    assert not (tmp_path / "m.tif").exists()
    with pytest.raises(InputError, match="also an input"):
        write_distortion_raster(tmp_path / "rot.tif", tmp_path / "rot.tif", EAST)


def test_cli_distortion(tmp_path):
    dem = ramp(40, 50.0, AcquisitionGeometry(39.0, 190.0))
    write_dem(tmp_path / "dem.tif", dem)
    proc = run_cli("distortion", "--dem", str(tmp_path / "dem.tif"), "--incidence", "39",
                   "--heading", "190", "--out", str(tmp_path / "mask.tif"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with rasterio.open(tmp_path / "mask.tif") as src:
        assert interior_codes(src.read(1)) == {LAYOVER}
        assert src.tags()["HEADING_DEG"] == "190"
    bad = run_cli("distortion", "--dem", str(tmp_path / "dem.tif"), "--incidence", "95",
                  "--heading", "190", "--out", str(tmp_path / "bad.tif"), cwd=tmp_path)
    assert bad.returncode == 1
    assert "outside (0, 90)" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_cli("distortion", "--dem", str(tmp_path / "none.tif"), "--incidence", "39",
                      "--heading", "10", "--out", str(tmp_path / "m2.tif"), cwd=tmp_path)
    assert missing.returncode == 1 and "cannot be read" in missing.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "mask.tif"]
