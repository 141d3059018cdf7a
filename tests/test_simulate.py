"""The scene simulator: physics statistics, determinism, real DEMs, bad input, CLI."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import rasterio
from affine import Affine
from conftest import run_cli
from rasterio.crs import CRS
from sardine.core.distortion import FORESHORTENING, NODATA, NONE
from sardine.core.errors import InputError
from sardine.core.geometry import AcquisitionGeometry
from sardine.training.simulate import (
    SceneSpec,
    simulate_dataset,
    simulate_scene,
    write_sample_dem,
    write_scene,
)
from sardine.training.simulate.landcover import FOREST, MEADOW, ROCK, WATER, Cover
from sardine.training.simulate.sar import simulate_sar
from sardine.training.simulate.terrain import generate_terrain
from support import write_raster


@pytest.fixture(scope="module")
def scene():
    return simulate_scene(SceneSpec(size=384, seed=1))


@pytest.fixture(scope="module")
def sample_dem(tmp_path_factory):
    return write_sample_dem(tmp_path_factory.mktemp("dem") / "jacksboro.tif")


def _linear_mean(db: np.ndarray) -> float:
    return float(np.mean(10.0 ** (db / 10.0)))


def test_scene_layers(scene):
    n = 384
    assert scene.sar_db.shape == (2, n, n) and scene.sar_db.dtype == np.float32
    assert scene.optical.shape == (3, n, n) and scene.optical.dtype == np.uint8
    assert scene.dem.dtype == np.float32 and scene.landcover.shape == (n, n)
    assert np.isfinite(scene.sar_db).all() and scene.optical.min() >= 1
    assert scene.grid.is_projected and scene.grid.pixel_size == (10.0, 10.0)
    present = set(np.unique(scene.landcover).tolist())
    assert {WATER, MEADOW, FOREST, ROCK} <= present
    assert set(np.unique(scene.distortion).tolist()) <= {0, 1, 2, 3}


def test_backscatter_statistics(scene):
    """Water is darker than forest in VV; forest depolarises more (VH/VV) than bare rock."""
    vv, vh = scene.sar_db
    undistorted = scene.distortion == NONE
    water = scene.landcover == WATER
    forest = (scene.landcover == FOREST) & undistorted
    rock = (scene.landcover == ROCK) & undistorted
    assert _linear_mean(vv[water]) < 0.2 * _linear_mean(vv[forest])
    ratio_forest = _linear_mean(vh[forest]) / _linear_mean(vv[forest])
    ratio_rock = _linear_mean(vh[rock]) / _linear_mean(vv[rock])
    assert ratio_forest > 1.2 * ratio_rock
    # Slopes facing the sensor are brighter than slopes facing away (same class).
    inc, all_forest = scene.incidence, scene.landcover == FOREST
    facing = all_forest & (inc < 25.0) & (scene.distortion == FORESHORTENING)
    away = all_forest & (inc > 50.0) & (scene.distortion == NONE)
    assert facing.sum() > 100 and away.sum() > 100
    assert _linear_mean(vv[facing]) > 1.5 * _linear_mean(vv[away])


def test_speckle_has_the_requested_looks():
    """ENL = mean^2 / variance of intensity over a flat homogeneous field equals L."""
    n = 200
    cover = Cover(classes=np.full((n, n), MEADOW, np.uint8), vigour=np.full((n, n), 0.5,
                  np.float32), crop=np.zeros((n, n), np.uint8), streets=np.zeros((n, n), bool),
                  wall_azimuth=np.full((n, n), np.nan, np.float32))
    for looks in (4.4, 1.0):
        sar = simulate_sar(np.full((n, n), 700.0, np.float32), cover, 10.0,
                           AcquisitionGeometry(39.0, 190.0), np.random.default_rng(5), looks)
        for band in sar.sar_db:
            intensity = 10.0 ** (band[10:-10, 10:-10].astype(np.float64) / 10.0)
            enl = intensity.mean() ** 2 / intensity.var()
            assert abs(enl - looks) < 0.1 * looks


def test_generated_mountains_have_relief_and_lakes():
    terrain = generate_terrain((1024, 1024), 10.0, np.random.default_rng(7))
    assert float(np.ptp(terrain.dem)) >= 1500.0
    assert terrain.lakes.any() and terrain.lakes.mean() < 0.2
    lake_levels = terrain.dem[terrain.lakes]
    assert np.ptp(lake_levels) < float(np.ptp(terrain.dem))  # flat water surfaces


def test_same_seed_same_bytes(tmp_path):
    paths = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        paths.append(write_scene(simulate_scene(SceneSpec(size=96, seed=seed)), tmp_path / name))
    a, b, c = paths
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    assert a["sar"].read_bytes() != c["sar"].read_bytes()


def test_written_scene_is_described(tmp_path):
    paths = write_scene(simulate_scene(SceneSpec(size=64, seed=2, heading=350.0)), tmp_path)
    assert sorted(paths) == ["dem", "distortion", "landcover", "optical", "sar", "scene"]
    with rasterio.open(paths["sar"]) as src:
        assert src.descriptions == ("VV", "VH") and src.dtypes == ("float32", "float32")
        assert src.crs == CRS.from_epsg(32632) and src.units == ("dB", "dB")
    with rasterio.open(paths["distortion"]) as src:
        assert src.nodata == NODATA and "3 shadow" in src.tags()["DISTORTION_CODES"]
        assert src.colormap(1)[3][:3] != src.colormap(1)[0][:3]  # the palette survived
    with rasterio.open(paths["optical"]) as src:
        assert src.count == 3 and src.dtypes[0] == "uint8" and src.nodata == 0
    info = json.loads(paths["scene"].read_text())
    assert info["geometry"]["heading_deg"] == 350.0 and info["spec"]["seed"] == 2
    assert info["landcover_legend"]["4"] == "forest"
    assert info["distortion_codes"]["2"] == "layover"


def test_sample_dem_is_georeferenced_in_metres(sample_dem):
    with rasterio.open(sample_dem) as src:
        assert src.crs == CRS.from_epsg(32616) and src.res == (30.0, 30.0)
        heights = src.read(1)
        x, y = src.xy(src.height // 2, src.width // 2)
        lon, lat = rasterio.warp.transform(src.crs, "EPSG:4326", [x], [y])
    assert 200.0 < np.nanmin(heights) and np.nanmax(heights) < 1100.0
    assert abs(lon[0] + 84.246) < 0.02 and abs(lat[0] - 36.59) < 0.02
    assert np.isfinite(heights).mean() > 0.9


def test_scene_from_real_dem(sample_dem):
    scene = simulate_scene(SceneSpec(size=256, seed=4, dem_path=sample_dem))
    assert scene.grid.crs == CRS.from_epsg(32616)
    assert 200.0 < np.nanmin(scene.dem) and np.nanmax(scene.dem) < 1100.0
    assert np.isfinite(scene.sar_db).all()
    with pytest.raises(InputError, match="--size"):
        simulate_scene(SceneSpec(size=4000, dem_path=sample_dem))


def test_geographic_dem_goes_to_utm(tmp_path):
    """A DEM in EPSG:4326 is resampled onto a UTM grid in metres, never read as metres."""
    step = 1.0 / 3600.0
    rows, cols = np.mgrid[0:300, 0:300]
    dem = 1500.0 + 400.0 * np.sin(cols / 40.0) * np.cos(rows / 55.0)
    write_raster(tmp_path / "geo.tif", dem, "EPSG:4326", Affine(step, 0, 10.9, 0, -step, 46.6),
                 dtype="float32")
    scene = simulate_scene(SceneSpec(size=128, seed=1, dem_path=tmp_path / "geo.tif"))
    assert scene.grid.crs == CRS.from_epsg(32632)
    assert 1050.0 < np.nanmin(scene.dem) and np.nanmax(scene.dem) < 1950.0
    slope = np.degrees(np.arctan(np.hypot(*np.gradient(scene.dem, 10.0))))
    assert np.nanmax(slope) < 60.0  # metres, so the sine hills keep gentle slopes


def test_dem_holes_stay_nodata(tmp_path):
    dem = 800.0 + 300.0 * np.random.default_rng(0).random((160, 160))
    dem[60:80, 60:90] = -9999.0
    write_raster(tmp_path / "holes.tif", dem, "EPSG:32632",
                 Affine(10.0, 0, 400000.0, 0, -10.0, 5000000.0), nodata=-9999.0, dtype="float32")
    scene = simulate_scene(SceneSpec(size=128, seed=1, dem_path=tmp_path / "holes.tif"))
    hole = ~np.isfinite(scene.dem)
    assert 100 < hole.sum() < 1200
    assert np.isnan(scene.sar_db[:, hole]).all() and (scene.optical[:, hole] == 0).all()
    assert (scene.landcover[hole] == 0).all() and (scene.distortion[hole] == NODATA).all()
    assert np.isfinite(scene.sar_db[:, ~hole]).all()


def test_bad_parameters_are_refused(tmp_path):
    with pytest.raises(InputError, match="outside"):
        SceneSpec(incidence=95.0)
    with pytest.raises(InputError, match="outside"):
        SceneSpec(size=4)
    with pytest.raises(InputError, match="count"):
        simulate_dataset(tmp_path / "d", 0)


def test_dataset_layout(tmp_path):
    from sardine.training.datasets.patches import PatchFolderDataset

    out = simulate_dataset(tmp_path / "data", 10, patch=32, seed=3, size=96)
    names = {f: sorted(p.name for p in (out / f).iterdir())
             for f in ("sar", "dem", "optical", "distortion", "landcover")}
    assert len(names["sar"]) == 10 and all(v == names["sar"] for v in names.values())
    split = json.loads((out / "splits.json").read_text())
    assert [len(split[k]) for k in ("train", "val", "test")] == [8, 1, 1]
    assert sorted(sum(split.values(), [])) == [n[:-4] for n in names["sar"]]
    info = json.loads((out / "dataset.json").read_text())
    assert info["count"] == 10 and info["pixel_size_m"] == 10.0 and len(info["scenes"]) == 2
    with rasterio.open(out / "sar" / names["sar"][0]) as src:
        assert src.shape == (32, 32) and src.crs.is_projected
    for layer in ("distortion", "landcover"):  # windowed writes keep their palettes too
        with rasterio.open(out / layer / names["sar"][0]) as src:
            assert len(src.colormap(1)) == 256
    again = simulate_dataset(tmp_path / "again", 10, patch=32, seed=3, size=96)
    assert (again / "splits.json").read_bytes() == (out / "splits.json").read_bytes()
    dataset = PatchFolderDataset(out)
    assert len(dataset.items) == 10 and dataset.has_dem and dataset.has_distortion


def test_cli_simulate(tmp_path):
    proc = run_cli("simulate", "--out", str(tmp_path / "scene"), "--size", "96", "--seed", "3",
                   "--heading", "350", "--preview", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    files = sorted(p.name for p in (tmp_path / "scene").iterdir())
    assert files == ["dem.tif", "distortion.tif", "landcover.tif", "optical.tif",
                     "preview.png", "sar.tif", "scene.json"]
    bad = run_cli("simulate", "--out", str(tmp_path / "bad"), "--incidence", "0", cwd=tmp_path)
    assert bad.returncode == 1 and "outside (0, 90)" in bad.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene"]


def test_cli_simulate_with_real_dem_and_dataset(tmp_path, sample_dem):
    proc = run_cli("simulate", "--out", str(tmp_path / "real"), "--dem", str(sample_dem),
                   "--size", "64", "--pixel-size", "30", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with rasterio.open(tmp_path / "real" / "dem.tif") as src:
        assert src.crs == CRS.from_epsg(32616) and src.res == (30.0, 30.0)
    proc = run_cli("simulate-dataset", "--out", str(tmp_path / "ds"), "--count", "3",
                   "--patch", "32", "--size", "64", "--dem", str(sample_dem), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "ds" / "optical").iterdir())) == 3
    info = json.loads((tmp_path / "ds" / "dataset.json").read_text())
    assert info["scenes"][0]["dem"] == str(sample_dem)
    assert math.isclose(info["geometry"]["incidence_deg"], 39.0)


def test_dataset_mixes_generated_and_jacksboro_terrain(tmp_path):
    """One command for the bundled weights' recipe: generated and real terrain in turn."""
    out = simulate_dataset(tmp_path / "mix", 8, patch=32, seed=5, size=64, pixel_size=30.0,
                           dem_paths=["generated", "jacksboro"])
    info = json.loads((out / "dataset.json").read_text())
    sources = [scene["dem"] for scene in info["scenes"]]
    assert sources[0] is None and sources[1].startswith("jacksboro")
    assert sorted(p.name for p in out.iterdir()) == [
        "dataset.json", "dem", "distortion", "landcover", "optical", "sar", "splits.json"]
    with rasterio.open(out / "sar" / "s0001_r00_c00.tif") as src:
        assert src.crs == CRS.from_epsg(32616)
    with pytest.raises(InputError, match="does not exist.*generated or jacksboro"):
        simulate_dataset(tmp_path / "bad", 2, patch=32, size=64, dem_paths=["nowhere.tif"])
