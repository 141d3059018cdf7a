"""Contrast enhancement: the kernels, seam-free windowed use, and the engine's pass."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
from sardine.core.enhance import (
    METHODS,
    enhance,
    enhancement_kernel,
    enhancement_margin,
    gaussian_psf,
    wiener_kernel,
)
from sardine.core.errors import InputError
from sardine.core.translate import TranslateParams, edge_pad, translate
from support import make_scene, read, reference, tiny_model


def test_kernels():
    psf = gaussian_psf()
    assert psf.shape == (9, 9) and np.isclose(psf.sum(), 1.0)
    assert psf[4, 4] / psf[0, 0] == pytest.approx(np.exp(32 / (2 * 29 ** 2)))
    lap = enhancement_kernel("laplacian")
    assert lap.sum() == 1.0 and lap[1, 1] == 5.0  # identity minus the 4-neighbour Laplacian
    k = wiener_kernel()
    assert k.shape == (2 * enhancement_margin("wiener") + 1,) * 2 and np.isclose(k.sum(), 1.0)
    assert enhancement_margin("none") == 0 and enhancement_margin("laplacian") == 1
    with pytest.raises(InputError, match="laplacian"):
        enhance(np.zeros((3, 4, 4)), "unsharp")


def test_enhancement_keeps_flat_images_and_overshoots_edges():
    flat = np.full((3, 40, 40), 0.4, np.float32)
    step = np.zeros((1, 60, 60), np.float32)
    step[:, :, 30:] = 0.6
    step += 0.2
    for method in ("laplacian", "wiener"):
        assert np.allclose(enhance(flat, method), 0.4, atol=1e-5)
        row = enhance(step, method)[0, 30]
        assert row[22:38].max() > 0.9 and row[22:38].min() < 0.1  # contrast across the edge
        assert np.allclose(row[:10], 0.2, atol=0.1) and np.allclose(row[-10:], 0.8, atol=0.1)
    lap = enhance(step, "laplacian")[0, 30]
    assert lap[29] == 0.0 and lap[30] == 1.0 and lap[31] == pytest.approx(0.8)
    assert (enhance(flat, "none") == flat).all()


@pytest.mark.parametrize("method", METHODS)
def test_windowed_equals_whole(method):
    rng = np.random.default_rng(0)
    image = np.clip(rng.normal(0.5, 0.2, (3, 150, 170)), 0, 1).astype(np.float32)
    whole = enhance(image, method)
    m = enhancement_margin(method)
    got = np.full_like(whole, np.nan)
    size = 40
    for r in range(0, 150, size):
        for c in range(0, 170, size):
            r0, c0 = max(0, r - m), max(0, c - m)
            r1, c1 = min(150, r + size + m), min(170, c + size + m)
            part = enhance(image[:, r0:r1, c0:c1], method)
            h, w = min(size, 150 - r), min(size, 170 - c)
            got[:, r:r + h, c:c + w] = part[:, r - r0:r - r0 + h, c - c0:c - c0 + w]
    assert np.abs(got - whole).max() < 1e-5


def test_engine_enhances_window_by_window(tmp_path, weights, monkeypatch):
    """The engine's windowed enhancement (forced to small windows) equals enhancing the
    whole-image inference, within 1 DN."""
    from sardine.core.translate import finish

    monkeypatch.setattr(finish, "WINDOW", 48)
    sar, dem = make_scene(tmp_path, 144)
    out = tmp_path / "out.tif"
    translate(TranslateParams(sar_path=sar, dem_path=dem, model=str(weights), out_path=out,
                              device="cpu", tile=96, overlap=32, enhance="wiener"))
    with rasterio.open(sar) as s, rasterio.open(dem) as d:
        ref = reference(tiny_model(), s.read(), d.read(1), edge_pad(32, 8), rounded=False)
    expected = np.rint(enhance(ref, "wiener") * 255.0)
    data, mask = read(out)
    assert np.abs(data.astype(float) - expected).max() <= 1.0
    assert (mask == 255).all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "out.tif", "sar.tif"]
