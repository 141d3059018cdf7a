"""Pre/post change (core/change): a scene against itself, a synthetic scar, a post-event
image on another grid, the trust layer, and the refusals that leave nothing behind."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine
from sardine.core.change import ChangeParams, run_change
from sardine.core.change.metrics import delta_e, srgb_to_lab
from sardine.core.change.pair import write_aligned
from sardine.core.change.trust import colour_trust, expected_colour_error, trust_bands
from sardine.core.distortion import FORESHORTENING, LAYOVER, NONE, SHADOW
from sardine.core.errors import InputError
from sardine.core.grid import RasterGrid
from sardine.core.normalization import Normalization
from support import ORIGIN, UTM, make_scene, sar_transform, sar_values, write_raster

SIZE = 96


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("change")
    sar, dem = make_scene(folder, SIZE)
    return folder, sar, dem


def _run(pre, post, dem, weights, out, **kw):
    params = ChangeParams(pre_sar=pre, post_sar=post, out_dir=out, model=str(weights),
                          dem_path=dem, incidence=39.0, heading=190.0, device="cpu",
                          tile=64, overlap=16, threads=1, **kw)
    return run_change(params)


def _read(path):
    with rasterio.open(path) as src:
        return src.read(), src.descriptions


def test_change_of_a_scene_with_itself_is_zero(pair, weights, tmp_path):
    _, sar, dem = pair
    result = _run(sar, sar, dem, weights, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "change.tif", "post_optical.tif", "pre_optical.tif", "trust.tif"]
    assert any("the same file" in w for w in result.warnings)  # said, not silent
    pre, _ = _read(result.paths["pre_optical"])
    post, _ = _read(result.paths["post_optical"])
    assert np.array_equal(pre, post)
    change, names = _read(result.paths["change"])
    assert len(names) == 4 and all(names) and "CIE" in names[0] and "combined" in names[3]
    assert np.isfinite(change).mean() > 0.99
    assert np.nanmax(np.abs(change)) < 1e-6
    trust, names = _read(result.paths["trust"])
    assert trust.shape[0] == 4 and all(names)
    assert np.nanmin(trust) >= 0.0 and np.nanmax(trust) <= 1.0
    assert np.allclose(trust[0], trust[1] * trust[2] * trust[3], equal_nan=True)


def test_a_synthetic_scar_is_found_where_it_was_put(pair, weights, tmp_path):
    folder, sar, dem = pair
    values = sar_values(SIZE, SIZE)
    scar = np.zeros((SIZE, SIZE), bool)
    scar[30:60, 40:64] = True
    post_values = values.copy()
    post_values[:, scar] -= 8.0  # vegetation stripped: much darker backscatter
    post = write_raster(folder / "post.tif", post_values, descriptions=("VV", "VH"))
    result = _run(sar, post, dem, weights, tmp_path / "out")
    change, _ = _read(result.paths["change"])
    score = change[3]
    assert np.nanmedian(score[scar]) > 0.9
    far = np.ones_like(scar)
    far[10:80, 20:84] = False  # beyond the filters' and the model's reach
    assert np.nanmax(score[far]) < 0.05
    assert np.nanmedian(change[1][scar]) < -6.0 and np.nanmedian(change[2][scar]) < -6.0


def _smooth_sar(grid: RasterGrid) -> np.ndarray:
    rows, cols = np.mgrid[0:grid.height, 0:grid.width] + 0.5
    x, y = grid.transform * (cols, rows)
    u, v = (x - ORIGIN[0]) / 300.0, (ORIGIN[1] - y) / 300.0
    vv = -12.0 + 4.0 * np.sin(u) * np.cos(v)
    return np.stack([vv, vv - 7.0]).astype(np.float32)


def test_post_event_sar_on_another_grid_is_aligned(tmp_path):
    pre_grid = RasterGrid(UTM, sar_transform(10.0), SIZE, SIZE)
    other = RasterGrid(UTM, Affine(7.0, 0.0, ORIGIN[0] - 53.0, 0.0, -7.0, ORIGIN[1] + 31.0),
                       160, 160)
    post = write_raster(tmp_path / "post.tif", _smooth_sar(other), UTM, other.transform,
                        descriptions=("VV", "VH"))
    out = write_aligned(post, (1, 2), False, pre_grid, tmp_path / "aligned.tif",
                        lambda f: None, lambda: None)
    with rasterio.open(out) as src:
        assert RasterGrid.from_dataset(src) == pre_grid
        aligned = src.read()
    assert np.abs(aligned - _smooth_sar(pre_grid)).max() < 0.05


def test_change_uses_the_aligned_post_event_image(pair, weights, tmp_path):
    folder, _, dem = pair
    pre_grid = RasterGrid(UTM, sar_transform(10.0), SIZE, SIZE)
    other = RasterGrid(UTM, Affine(7.0, 0.0, ORIGIN[0] - 53.0, 0.0, -7.0, ORIGIN[1] + 31.0),
                       160, 160)
    pre = write_raster(folder / "smooth_pre.tif", _smooth_sar(pre_grid),
                       descriptions=("VV", "VH"))
    post = write_raster(folder / "smooth_post.tif", _smooth_sar(other), UTM, other.transform,
                        descriptions=("VV", "VH"))
    result = _run(pre, post, dem, weights, tmp_path / "out")
    change, _ = _read(result.paths["change"])
    assert change.shape[1:] == (SIZE, SIZE)
    assert np.nanmax(np.abs(change[1:3])) < 0.05


def test_trust_is_low_in_layover_shadow_and_out_of_range():
    norm = Normalization()
    codes = np.array([[NONE, FORESHORTENING, LAYOVER, SHADOW, NONE, NONE]], np.uint8)
    sar = np.full((2, 1, 6), -12.0)
    sar[1] -= 7.0
    sar[0, 0, 4] = 12.0  # VV far above the weights' range
    dem = np.array([[500.0, 500.0, 500.0, 500.0, 500.0, -50.0]])  # below sea level: outside
    trust = trust_bands(codes, [sar], dem, norm, np.ones((1, 6), bool))
    assert np.allclose(trust[1], [[1.0, 0.9, 0.0, 0.0, 1.0, 1.0]])
    assert trust[2].tolist() == [[1.0, 1.0, 1.0, 1.0, 0.0, 0.0]]
    assert trust[3].tolist() == [[1.0] * 6]  # no translation given: colour not judged
    assert np.allclose(trust[0], [[1.0, 0.9, 0.0, 0.0, 0.0, 0.0]])


def test_colour_component_distrusts_vivid_and_light_translations():
    """The colour part falls as the expected error rises: grey rock < green < bright snow
    over ordinary land backscatter, dark blue over the dark backscatter of water, and a
    change takes the less trustworthy of its two images."""
    norm = Normalization()
    land = np.array([[[-12.0]], [[-19.0]]], np.float32)  # VV, VH dB
    water = np.array([[[-24.0]], [[-31.0]]], np.float32)
    grey, green, snow, blue = ([[[v]] for v in c] for c in (
        (90, 90, 90), (40, 140, 40), (250, 250, 250), (30, 60, 120)))
    lab = [srgb_to_lab(np.array(c, np.uint8)) for c in (grey, green, snow, blue)]
    parts = [float(colour_trust([x], [land], norm)[0, 0]) for x in lab[:3]]
    assert parts[0] > parts[1] and parts[0] > parts[2] and all(0 <= p <= 1 for p in parts)
    both = colour_trust([lab[0], lab[1]], [land, land], norm)[0, 0]
    assert float(both) == pytest.approx(parts[1])
    assert expected_colour_error(lab[1], land, norm)[0, 0] > \
        expected_colour_error(lab[0], land, norm)[0, 0]
    assert expected_colour_error(lab[3], water, norm)[0, 0] > \
        expected_colour_error(lab[3], land, norm)[0, 0]


def test_trust_layer_of_a_run_follows_the_mask_and_the_ranges(pair, weights, tmp_path):
    from sardine.core.distortion import write_distortion_raster
    from sardine.core.geometry import AcquisitionGeometry

    folder, _, _ = pair
    cols = np.arange(SIZE) % 20
    ridges = 1000.0 + 27.0 * np.minimum(cols, 20 - cols)  # 70 degree slopes facing E and W
    dem = write_raster(folder / "ridges.tif", np.tile(ridges, (SIZE, 1)).astype(np.float32))
    values = sar_values(SIZE, SIZE)
    values[0, 5:25, 5:25] = 15.0  # out of the VV range
    sar = write_raster(folder / "hot.tif", values, descriptions=("VV", "VH"))
    result = _run(sar, sar, dem, weights, tmp_path / "out")
    trust, _ = _read(result.paths["trust"])
    assert np.all(trust[2][8:22, 8:22] == 0.0) and np.all(trust[0][8:22, 8:22] == 0.0)
    mask = write_distortion_raster(dem, tmp_path / "mask.tif",
                                   AcquisitionGeometry(39.0, 190.0, "right"),
                                   target=RasterGrid(UTM, sar_transform(), SIZE, SIZE))
    with rasterio.open(mask) as src:
        codes = src.read(1)
    bad = (codes == LAYOVER) | (codes == SHADOW)
    assert bad.any(), "the test DEM should have layover or shadow"
    assert np.all(trust[0][bad] == 0.0)
    assert np.allclose(trust[1][codes == FORESHORTENING], 0.9)


def test_colour_difference_is_cielab():
    white = np.full((3, 1, 1), 255.0)
    assert np.allclose(srgb_to_lab(white)[:, 0, 0], [100.0, 0.0, 0.0], atol=0.05)
    black = np.zeros((3, 1, 1))
    assert delta_e(white, black, np.ones((1, 1), bool), radius=0)[0, 0] == pytest.approx(
        100.0, abs=0.05)


def test_no_overlap_is_refused_leaving_nothing(pair, weights, tmp_path):
    folder, sar, dem = pair
    far = Affine(10.0, 0.0, ORIGIN[0] + 50000.0, 0.0, -10.0, ORIGIN[1])
    post = write_raster(folder / "far.tif", sar_values(SIZE, SIZE), UTM, far,
                        descriptions=("VV", "VH"))
    out = tmp_path / "out"
    with pytest.raises(InputError, match="does not overlap"):
        _run(sar, post, dem, weights, out)
    assert not out.exists()


def test_other_polarisations_are_refused_leaving_nothing(pair, weights, tmp_path):
    folder, sar, dem = pair
    post = write_raster(folder / "hh.tif", sar_values(SIZE, SIZE), descriptions=("HH", "HV"))
    out = tmp_path / "existing"
    out.mkdir()
    with pytest.raises(InputError, match="same polarisations"):
        _run(sar, post, dem, weights, out)
    assert list(out.iterdir()) == []


def test_a_failure_midway_leaves_nothing(pair, tmp_path):
    _, sar, dem = pair
    out = tmp_path / "out"
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal of the weights
        _run(sar, sar, dem, tmp_path / "missing.safetensors", out)
    assert not out.exists()


def test_cli_refuses_in_one_line(pair, weights, tmp_path, cli):
    folder, sar, dem = pair
    post = write_raster(folder / "hh2.tif", sar_values(SIZE, SIZE), descriptions=("HH", "HV"))
    proc = cli("change", "--pre-sar", str(sar), "--post-sar", str(post), "--dem", str(dem),
               "--model", str(weights), "--out", str(tmp_path / "o"))
    assert proc.returncode != 0
    assert "same polarisations" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_translate_writes_a_trust_layer(pair, weights, tmp_path, cli):
    _, sar, dem = pair
    out, trust = tmp_path / "rgb.tif", tmp_path / "trust.tif"
    cli("translate", "--sar", str(sar), "--dem", str(dem), "--model", str(weights), "--out",
        str(out), "--trust-out", str(trust), "--incidence", "39", "--heading", "190",
        "--device", "cpu", "--threads", "1", check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rgb.tif", "trust.tif"]
    layers, names = _read(trust)
    assert layers.shape == (4, SIZE, SIZE) and "distortion" in names[1]
    assert "colour" in names[3] and np.nanmin(layers[3]) < 1.0
    assert np.allclose(layers[0], layers[1] * layers[2] * layers[3], equal_nan=True)


def test_translate_trust_without_geometry_is_refused(pair, weights, tmp_path, cli):
    _, sar, dem = pair
    proc = cli("translate", "--sar", str(sar), "--dem", str(dem), "--model", str(weights),
               "--out", str(tmp_path / "rgb.tif"), "--trust-out", str(tmp_path / "t.tif"))
    assert proc.returncode != 0 and "heading" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_uint8_colours_take_the_table_path():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (3, 8, 8)).astype(np.uint8)
    assert np.allclose(srgb_to_lab(rgb), srgb_to_lab(rgb.astype(np.float64)), atol=1e-3)


def test_cancel_midway_leaves_nothing(pair, weights, tmp_path):
    from sardine.core.errors import Cancelled
    from sardine.core.feedback import Feedback

    _, sar, dem = pair
    seen: list[float] = []
    feedback = Feedback(on_progress=seen.append, is_cancelled=lambda: bool(seen)
                        and seen[-1] > 50.0)
    params = ChangeParams(pre_sar=sar, post_sar=sar, out_dir=tmp_path / "out",
                          model=str(weights), dem_path=dem, incidence=39.0, heading=190.0,
                          device="cpu", tile=64, overlap=16, threads=1)
    with pytest.raises(Cancelled):
        run_change(params, feedback)
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_model_is_loaded_once_for_both_translations(pair, weights, tmp_path, monkeypatch):
    """Loading (for ONNX: compiling) the model is about a tenth of a translation: the pre-
    and post-event translations share one (docs/CHANGE.md, "Cost on CPU")."""
    import importlib

    backends = importlib.import_module("sardine.core.translate.backends")
    change_run = importlib.import_module("sardine.core.change.run")
    loads = []
    real = backends.load_for

    def counted(*args, **kwargs):
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(backends, "load_for", counted)
    monkeypatch.setattr(change_run, "load_for", counted)
    folder, sar, dem = pair
    result = _run(sar, sar, dem, weights, tmp_path / "out")
    assert len(loads) == 1 and set(result.paths) == {"pre_optical", "post_optical", "change",
                                                     "trust"}
