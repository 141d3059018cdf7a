"""The engine's parts in isolation: weights, reflection, blending, strip writing, batching."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
import torch
from affine import Affine
from rasterio.crs import CRS
from sardine.core.errors import InputError
from sardine.core.translate.runner import TileRunner, pick_device
from sardine.core.translate.tiling import Blender, TileLayout, ramp, reflect_index
from sardine.core.translate.writer import StripWriter, overview_factors


@pytest.mark.parametrize("tile,overlap", [(64, 16), (96, 32), (128, 0), (64, 32)])
def test_ramp_weights_sum_to_one_in_overlaps(tile, overlap):
    w = ramp(tile, overlap)
    stride = tile - overlap
    total = np.zeros(stride * 4 + overlap)
    for k in range(4):
        total[k * stride:k * stride + tile] += w
    inner = total[overlap:4 * stride]
    assert np.allclose(inner, 1.0)
    assert w.min() >= 0 and w.max() == 1.0
    if overlap:
        assert w[0] == 0.0 and w[overlap // 4 - 1] == 0.0  # the dead band at the edges


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_reflect_index_matches_numpy(n):
    pad = 3 * n + 5
    expected = np.pad(np.arange(n), pad, mode="reflect") if n > 1 else np.zeros(n + 2 * pad)
    got = reflect_index(np.arange(-pad, n + pad), n)
    assert (got == expected).all()


@pytest.mark.parametrize("height,width,tile,overlap,per_block",
                         [(50, 70, 32, 8, 2), (33, 100, 32, 16, 3), (20, 20, 32, 8, 1),
                          (64, 64, 32, 0, 2)])
def test_blender_equals_whole_canvas_blend(height, width, tile, overlap, per_block):
    """Carrying overlaps between blocks gives the same result as blending every tile on
    one canvas."""
    layout = TileLayout(height, width, tile, overlap, pad=max(overlap, 8))
    rng = np.random.default_rng(0)
    tiles = rng.random((layout.n_rows, layout.n_cols, 3, tile, tile)).astype(np.float32)
    s, w = layout.stride, layout.weights()
    canvas = np.zeros((4, layout.n_rows * s + overlap, layout.padded_width))
    for r in range(layout.n_rows):
        for c in range(layout.n_cols):
            canvas[:3, r * s:r * s + tile, c * s:c * s + tile] += tiles[r, c] * w
            canvas[3, r * s:r * s + tile, c * s:c * s + tile] += w
    whole = canvas[:3] / np.maximum(canvas[3], 1e-6)
    blender = Blender(layout)
    got = np.full((3, layout.n_rows * s, layout.n_cols * s), np.nan)
    for block in layout.blocks(per_block):
        region = blender.add(block, tiles[block.row, block.col0:block.col1])
        (y0, y1), (x0, x1) = block.final_rows, block.final_cols
        got[:, y0:y1, x0:x1] = region
    p = layout.pad
    assert np.allclose(got[:, p:p + height, p:p + width], whole[:, p:p + height, p:p + width],
                       atol=1e-5)
    assert np.allclose(canvas[3, p:p + height, p:p + width], 1.0, atol=1e-5)


@pytest.mark.parametrize("height,width,tile,overlap,pad,m",
                         [(4096, 4096, 512, 64, 64, 8), (160, 200, 512, 64, 64, 8),
                          (17000, 25000, 512, 64, 64, 8), (100, 37, 64, 16, 16, 1),
                          (1024, 3000, 256, 60, 64, 8)])
def test_fitted_layout_keeps_the_tile_count_and_covers(height, width, tile, overlap, pad, m):
    """Shrunk tiles: never more tiles, never larger ones, on the pooling grid, still
    covering the image plus the blending margin."""
    base = TileLayout(height, width, tile, overlap, pad)
    fit = TileLayout.fitted(height, width, tile, overlap, pad, m)
    assert (fit.n_rows, fit.n_cols) == (base.n_rows, base.n_cols)
    assert fit.tile <= tile and fit.overlap == overlap
    assert fit.stride % m == 0 or fit.stride == base.stride
    assert fit.n_cols * fit.stride >= pad + width and fit.n_rows * fit.stride >= pad + height
    if (height, width, tile) == (4096, 4096, 512):
        assert fit.tile == 480  # 10 x 10 tiles of 480 instead of 512: 12 % fewer pixels


def test_strip_writer_aligns_writes(tmp_path):
    """Uneven row-major regions end up where they belong, in TIFF-tile-aligned strips."""
    height, width = 1100, 700
    truth = np.random.default_rng(1).integers(0, 255, (4, height, width), dtype=np.uint8)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 4,
               "dtype": "uint8", "tiled": True, "blockxsize": 512, "blockysize": 512,
               "crs": "EPSG:32632", "transform": Affine(10, 0, 0, 0, -10, 0)}
    windows = []
    with rasterio.open(tmp_path / "s.tif", "w", **profile) as dst:
        original = dst.write
        dst_write = []

        class Spy:
            def __getattr__(self, name):
                return getattr(dst, name)

            def write(self, data, window=None):
                dst_write.append(window)
                original(data, window=window)

        writer = StripWriter(Spy(), 4, "uint8", write_mask=False, region_rows=300)
        for r0 in range(0, height, 300):
            r1 = min(height, r0 + 300)
            for c0 in range(0, width, 250):
                c1 = min(width, c0 + 250)
                writer.put(r0, r1, c0, c1, truth[:, r0:r1, c0:c1])
        writer.close()
        windows = dst_write
    with rasterio.open(tmp_path / "s.tif") as src:
        assert (src.read() == truth).all()
    for window in windows:
        assert window.col_off == 0 and window.width == width
        assert window.row_off % 512 == 0
        assert (window.row_off + window.height) % 512 == 0 or \
            window.row_off + window.height == height


def test_overview_factors():
    assert overview_factors(300, 200) == []
    assert overview_factors(4096, 1024) == [2, 4, 8, 16]


def test_runner_halves_batch_on_out_of_memory():
    seen, halves = [], []

    def predict(sar, dem):
        seen.append(sar.shape[0])
        if sar.shape[0] > 2:
            raise torch.OutOfMemoryError("fake OOM")
        return sar[:, :1].repeat(1, 3, 1, 1) * 0.5

    runner = TileRunner(predict, torch.device("cpu"), batch=8, on_halve=halves.append)
    sar = np.random.default_rng(0).random((8, 2, 16, 16)).astype(np.float32)
    out = runner(sar, None)
    assert halves == [4, 2] and runner.batch == 2
    assert np.allclose(out, np.repeat(sar[:, :1], 3, axis=1) * 0.5)
    assert seen == [8, 4, 2, 2, 2, 2]


def test_runner_refuses_when_one_tile_does_not_fit():
    def predict(sar, dem):
        raise torch.OutOfMemoryError("fake OOM")

    runner = TileRunner(predict, torch.device("cpu"), batch=2)
    with pytest.raises(InputError, match="smaller tile size"):
        runner(np.zeros((2, 2, 16, 16), np.float32), None)


def test_device_choice():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="choose the CPU"):
            pick_device("cuda")


def test_final_profile_overviews_and_mask(tmp_path):
    from sardine.core.grid import RasterGrid
    from sardine.core.translate.writer import (
        build_overviews,
        describe_final,
        final_profile,
        output_env,
    )

    grid = RasterGrid.from_origin(32632, 500000.0, 5000000.0, 10.0, 700, 300)
    path = tmp_path / "o.tif"
    mask = np.full((300, 700), 255, np.uint8)
    mask[:, :100] = 0
    with output_env(), rasterio.open(path, "w", **final_profile(grid)) as dst:
        describe_final(dst, {"SARDINE_MODEL": "x"})
        dst.write(np.full((3, 300, 700), 120, np.uint8))
        dst.write_mask(mask)
        build_overviews(dst)
    with rasterio.open(path) as src:
        assert src.overviews(1) == [2] and src.compression.name.lower() == "deflate"
        assert src.colorinterp[0].name == "red" and src.tags()["SARDINE_MODEL"] == "x"
        small = src.dataset_mask(out_shape=(150, 350))
        assert (small[:, :45] == 0).all() and (small[:, 55:] == 255).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.tif"]


def test_automatic_batch_is_small_on_cpu_and_recorded():
    """0 means automatic: 2 tiles on CPU (no faster with more, and less memory), 4 on CUDA."""
    import torch
    from sardine.core.translate.runner import auto_batch

    assert auto_batch(torch.device("cpu")) == 2
    assert auto_batch(torch.device("cuda")) == 4


def test_dem_coverage_is_one_decimated_read(tmp_path, monkeypatch):
    """The left 40 % of a large DEM is nodata: the estimate is right, from a single read."""
    from sardine.core.grid import RasterGrid
    from sardine.core.translate import sampling

    size = 2000
    dem = np.full((1, size, size), 500.0, np.float32)
    dem[:, :, : int(0.4 * size)] = -9999.0
    transform = Affine(10.0, 0, 500000.0, 0, -10.0, 5000000.0)
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:32632", transform=transform,
                       nodata=-9999.0) as dst:
        dst.write(dem)
    calls = []
    real = sampling.read_valid
    monkeypatch.setattr(sampling, "read_valid",
                        lambda *a, **k: calls.append(k.get("out_shape")) or real(*a, **k))
    grid = RasterGrid(CRS.from_epsg(32632), transform, size, size)
    with rasterio.open(path) as src:
        coverage = sampling.dem_coverage(src, grid, -9999.0, False)
    assert coverage == pytest.approx(0.6, abs=0.03)
    assert calls == [(sampling.COVERAGE_READ, sampling.COVERAGE_READ)]
