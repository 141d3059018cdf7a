"""The windowed translation engine end to end, with a fixed random model (no training)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import rasterio
import torch
from affine import Affine
from rasterio.warp import transform as warp_transform
from sardine.core.errors import Cancelled
from sardine.core.feedback import Feedback
from sardine.core.translate import TranslateParams, edge_pad, translate
from support import (
    ORIGIN,
    UTM,
    checksum,
    make_scene,
    read,
    reference,
    sar_transform,
    sar_values,
    terrain,
    tiny_model,
    write_raster,
)

SIZE = 192


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scene")
    sar, dem = make_scene(folder, SIZE)
    return folder, sar, dem


def _params(sar, dem, weights, out, **kw) -> TranslateParams:
    kw.setdefault("tile", 128)
    kw.setdefault("overlap", 32)
    return TranslateParams(sar_path=sar, dem_path=dem, model=str(weights), out_path=out,
                           device="cpu", **kw)


@pytest.mark.parametrize("tile,overlap", [(128, 32), (96, 24)])
def test_windowed_equals_whole_image(scene, weights, tmp_path, tile, overlap):
    _, sar, dem = scene
    progress: list[float] = []
    out = tmp_path / "out.tif"
    result = translate(_params(sar, dem, weights, out, tile=tile, overlap=overlap, batch=3),
                       Feedback(on_progress=progress.append))
    assert result.out_path == out.resolve() and (result.width, result.height) == (SIZE, SIZE)
    data, mask = read(out)
    with rasterio.open(sar) as s, rasterio.open(dem) as d:
        ref = reference(tiny_model(), s.read(), d.read(1), edge_pad(overlap, 8))
    assert np.abs(data.astype(float) - ref).max() <= 1.0
    assert data.std() > 20, "the test model should produce contrasted colours"
    assert (mask == 255).all()
    assert progress[-1] == 100.0
    assert all(b >= a for a, b in zip(progress, progress[1:], strict=False))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tif"]


def test_output_format(scene, weights, tmp_path):
    _, sar, dem = scene
    out = tmp_path / "out.tif"
    translate(_params(sar, dem, weights, out))
    with rasterio.open(out) as o, rasterio.open(sar) as s:
        assert (o.crs, o.transform, o.width, o.height) == (s.crs, s.transform, s.width, s.height)
        assert o.count == 3 and o.dtypes == ("uint8",) * 3
        assert o.profile["tiled"] and o.compression.name.lower() in ("deflate", "zstd")
        assert o.descriptions == ("red (translated)", "green (translated)", "blue (translated)")
        assert all(rasterio.enums.MaskFlags.per_dataset in f for f in o.mask_flag_enums)
        tags = o.tags()
        assert tags["SARDINE_MODEL"] == "sardinet-late"
        assert len(tags["SARDINE_WEIGHTS_SHA256"]) == 64
        params = json.loads(tags["SARDINE_PARAMETERS"])
        assert params["tile"] == 128 and params["overlap"] == 32
        assert params["batch"] == 2  # automatic (0) is recorded as what ran: 2 on CPU
        assert tags["SARDINE_VERSION"]
    assert not list(tmp_path.glob("*.msk"))


def _seam_ratio(image: np.ndarray, borders: list[int]) -> float:
    """Mean |gradient| across the given pixel borders over the mean |gradient| at the
    other positions of the same phase modulo 8 (the models' pooling period, which
    patterns every output), the larger of the x and y ratios."""
    ratios = []
    for axis in (1, 2):
        grad = np.abs(np.diff(image.astype(np.float64), axis=axis))
        grad = grad.mean(axis=(0, 2) if axis == 1 else (0, 1))
        at = np.array([b - 1 for b in borders])
        index = np.arange(grad.size)
        inside = index[np.isin(index % 8, at % 8) & ~np.isin(index, at)]
        ratios.append(grad[at].mean() / grad[inside].mean())
    return max(ratios)


def test_no_seam(scene, weights, tmp_path):
    """Across tile borders the gradient is no larger than inside tiles, while naive tiling
    (no overlap, no blending) of the same model leaves measurable seams."""
    _, _, dem = scene
    rng = np.random.default_rng(5)
    vv = rng.normal(-12.0, 3.0, (SIZE, SIZE))
    speckle = np.stack([vv, vv - 7.0 + rng.normal(0.0, 1.5, (SIZE, SIZE))]).astype(np.float32)
    sar = write_raster(tmp_path / "speckle.tif", speckle, UTM, sar_transform())
    tile, overlap = 64, 16
    out = tmp_path / "out.tif"
    translate(_params(sar, dem, weights, out, tile=tile, overlap=overlap))
    pad, stride = edge_pad(overlap, 8), tile - overlap
    borders = sorted({e for c in range(SIZE // stride + 2)
                      for e in (c * stride - pad, c * stride - pad + tile) if 2 <= e < SIZE - 2})
    assert _seam_ratio(read(out)[0], borders) <= 1.005

    from sardine.core.normalization import Normalization
    norm = Normalization()
    with rasterio.open(dem) as d:
        su, du = norm.sar_to_unit(speckle), norm.dem_to_unit(d.read())
    naive, step, model = np.zeros((3, SIZE, SIZE)), 48, tiny_model()
    with torch.inference_mode():
        for y in range(0, SIZE, step):
            for x in range(0, SIZE, step):
                naive[:, y:y + step, x:x + step] = model.predict(
                    torch.from_numpy(su[None, :, y:y + step, x:x + step]),
                    torch.from_numpy(du[None, :, y:y + step, x:x + step]))[0].numpy() * 255
    assert _seam_ratio(np.rint(naive), list(range(step, SIZE, step))) >= 1.015


def test_dem_in_geographic_crs_at_30m(scene, weights, tmp_path):
    """A DEM in EPSG:4326 at ~30 m, warped on the fly, gives the same result (within 2 DN
    on 99 % of pixels) as the same terrain given on the SAR grid."""
    _, sar, dem = scene
    left, top = warp_transform(UTM, "EPSG:4326", [ORIGIN[0] - 300], [ORIGIN[1] + 300])
    right, bottom = warp_transform(UTM, "EPSG:4326", [ORIGIN[0] + SIZE * 10 + 300],
                                   [ORIGIN[1] - SIZE * 10 - 300])
    step = 30.0 / 111320.0  # ~30 m in degrees of latitude
    width = int(np.ceil((right[0] - left[0]) / (step * 1.5)))  # lon degrees are shorter
    height = int(np.ceil((top[0] - bottom[0]) / step))
    t = Affine(step * 1.5, 0, left[0], 0, -step, top[0])
    rows, cols = np.mgrid[0:height, 0:width] + 0.5
    lon, lat = t * (cols, rows)
    x, y = warp_transform("EPSG:4326", UTM, lon.ravel(), lat.ravel())
    heights = terrain(np.array(x), np.array(y)).reshape(height, width).astype(np.float32)
    dem_geo = write_raster(tmp_path / "dem4326.tif", heights[None], "EPSG:4326", t)
    out_a, out_b = tmp_path / "a.tif", tmp_path / "b.tif"
    translate(_params(sar, dem, weights, out_a))
    translate(_params(sar, dem_geo, weights, out_b))
    a, b = read(out_a)[0].astype(int), read(out_b)[0].astype(int)
    assert (np.abs(a - b).max(axis=0) <= 2).mean() >= 0.99


def test_nodata_becomes_masked(scene, weights, tmp_path):
    _, _, dem = scene
    values = sar_values(SIZE, SIZE)
    values[:, 40:60, 50:90] = -9999.0
    values[0, 100:104, 100:104] = np.nan
    sar = write_raster(tmp_path / "sar_nodata.tif", values, UTM, sar_transform(), nodata=-9999.0)
    with rasterio.open(dem) as d:
        heights = d.read(1)
    heights[150:170, 10:30] = -32768.0
    dem_holes = write_raster(tmp_path / "dem_holes.tif", heights[None], UTM, sar_transform(),
                             nodata=-32768.0)
    out = tmp_path / "out.tif"
    translate(_params(sar, dem_holes, weights, out))
    data, mask = read(out)
    expected = np.ones((SIZE, SIZE), bool)
    expected[40:60, 50:90] = False
    expected[100:104, 100:104] = False
    expected[150:170, 10:30] = False
    assert ((mask == 255) == expected).all()
    assert (data[:, ~expected] == 0).all()
    assert data[:, expected].std() > 20


def test_partial_dem_coverage_warns_and_masks(scene, weights, tmp_path):
    sar, dem = scene[1], scene[2]
    with rasterio.open(dem) as d:
        part = d.read(1)[:, :120]
    dem_part = write_raster(tmp_path / "dem_part.tif", part[None], UTM, sar_transform())
    out = tmp_path / "out.tif"
    warnings: list[str] = []
    translate(_params(sar, dem_part, weights, out), Feedback(on_warning=warnings.append))
    assert any("covers only about 6" in w and "nodata" in w for w in warnings), warnings
    mask = read(out)[1]
    assert (mask[:, :119] == 255).all() and (mask[:, 121:] == 0).all()


def test_linear_sar_is_converted(scene, weights, tmp_path):
    _, sar, dem = scene
    with rasterio.open(sar) as s:
        db = s.read()
    linear = write_raster(tmp_path / "linear.tif", (10.0 ** (db / 10.0)).astype(np.float32),
                          UTM, sar_transform())
    warnings: list[str] = []
    translate(_params(linear, dem, weights, tmp_path / "lin.tif"),
              Feedback(on_warning=warnings.append))
    translate(_params(sar, dem, weights, tmp_path / "db.tif"))
    assert any("linear" in w and "10*log10" in w for w in warnings)
    a, b = read(tmp_path / "lin.tif")[0].astype(int), read(tmp_path / "db.tif")[0].astype(int)
    assert np.abs(a - b).max() <= 1


def test_coarse_pixels_are_resampled_and_warped_back(weights, tmp_path):
    sar, dem = make_scene(tmp_path, size=96, pixel=20.0)
    out = tmp_path / "out.tif"
    warnings: list[str] = []
    translate(_params(sar, dem, weights, out), Feedback(on_warning=warnings.append))
    assert any("training pixel size (10 m)" in w and "resampled back" in w for w in warnings)
    with rasterio.open(out) as o, rasterio.open(sar) as s:
        assert (o.crs, o.transform, o.width, o.height) == (s.crs, s.transform, s.width, s.height)
        assert (o.dataset_mask() == 255).all() and o.read().std() > 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "out.tif", "sar.tif"]


def test_geographic_sar_runs_in_utm(scene, weights, tmp_path):
    _, _, dem = scene
    lon, lat = warp_transform(UTM, "EPSG:4326", [ORIGIN[0]], [ORIGIN[1]])
    t = Affine(10.0 / 78000.0, 0, lon[0], 0, -10.0 / 111200.0, lat[0])
    sar = write_raster(tmp_path / "sar4326.tif", sar_values(160, 160), "EPSG:4326", t)
    warnings: list[str] = []
    out = tmp_path / "out.tif"
    translate(_params(sar, dem, weights, out), Feedback(on_warning=warnings.append))
    assert any("geographic" in w and "EPSG:32632" in w for w in warnings), warnings
    with rasterio.open(out) as o:
        assert o.crs.to_epsg() == 4326 and o.transform == t and o.dataset_mask().mean() > 200


@pytest.mark.parametrize("enhance", ["none", "wiener"])
def test_cancel_leaves_nothing(scene, weights, tmp_path, enhance):
    _, sar, dem = scene
    before = {p: checksum(p) for p in (sar, dem, weights)}
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        translate(_params(sar, dem, weights, tmp_path / "out.tif", tile=64, overlap=16,
                          batch=1, enhance=enhance), Feedback(is_cancelled=cancelled))
    assert list(tmp_path.iterdir()) == []
    assert {p: checksum(p) for p in before} == before


def test_compile_falls_back_to_eager_with_a_warning(scene, weights, tmp_path, monkeypatch):
    """Where torch.compile cannot work (no C compiler, unsupported op) the run goes on."""
    _, sar, dem = scene
    plain = tmp_path / "plain.tif"
    translate(_params(sar, dem, weights, plain))

    def broken(fn, **kwargs):
        def run(*args, **kw):
            raise RuntimeError("no C compiler found\nlong details")
        return run

    monkeypatch.setattr(torch, "compile", broken)
    warnings: list[str] = []
    out = tmp_path / "out.tif"
    translate(_params(sar, dem, weights, out, compile=True),
              Feedback(on_warning=warnings.append))
    assert any("torch.compile failed (RuntimeError: no C compiler found)" in w
               for w in warnings)
    assert np.array_equal(read(out)[0], read(plain)[0])


@pytest.mark.skipif(not shutil.which("cc") and not shutil.which("gcc"),
                    reason="torch.compile's CPU backend needs a C compiler")
def test_compiled_translation_equals_eager(scene, weights, tmp_path):
    _, sar, dem = scene
    plain, compiled = tmp_path / "plain.tif", tmp_path / "compiled.tif"
    translate(_params(sar, dem, weights, plain, tile=192, overlap=32, batch=4))
    warnings: list[str] = []
    translate(_params(sar, dem, weights, compiled, tile=192, overlap=32, batch=4,
                      compile=True), Feedback(on_warning=warnings.append))
    assert not any("torch.compile" in w for w in warnings)
    assert np.abs(read(compiled)[0].astype(int) - read(plain)[0].astype(int)).max() <= 1


def test_translate_leaves_no_process_wide_state(scene, weights, tmp_path):
    """QGIS shares the process: GDAL's cache and torch's threads are as they were after a
    run (also after a cancelled one), and nothing changes glibc's allocator settings."""
    from pathlib import Path

    from rasterio.env import get_gdal_config

    _, sar, dem = scene
    before = (get_gdal_config("GDAL_CACHEMAX"), torch.get_num_threads())
    translate(_params(sar, dem, weights, tmp_path / "out.tif", threads=1, enhance="wiener"))
    assert (get_gdal_config("GDAL_CACHEMAX"), torch.get_num_threads()) == before
    with pytest.raises(Cancelled):
        translate(_params(sar, dem, weights, tmp_path / "stop.tif", threads=1),
                  Feedback(is_cancelled=lambda: True))
    assert (get_gdal_config("GDAL_CACHEMAX"), torch.get_num_threads()) == before
    core = Path(__file__).resolve().parent.parent / "core"
    assert not [p for p in core.rglob("*.py") if "mallopt(" in p.read_text()]
