"""``sardine demo`` (``make demo``): refuses plainly without its inputs, and with them
writes the GeoTIFF and the four-panel preview."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
from conftest import run_cli
from sardine.core.errors import InputError
from test_translate_support import UTM, make_scene, sar_transform, weights  # noqa: F401


def test_demo_without_sample_scene(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = run_cli("demo", "--out", str(tmp_path / "o"), "--sample", str(tmp_path / "empty"),
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert "sar.tif" in proc.stderr and "missing" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_demo_without_bundled_weights(tmp_path, monkeypatch):
    import sardine.core.bundled as bundled
    from sardine.cli.commands import demo

    monkeypatch.setattr(bundled, "BUNDLED_DIR", tmp_path)
    with pytest.raises(InputError, match="sardinet-late.safetensors, which are missing") as e:
        demo._weights("sardinet-late")
    assert "sardine train" in str(e.value)


def test_demo_writes_tif_and_preview(tmp_path, weights):  # noqa: F811
    sample = tmp_path / "sample"
    sample.mkdir()
    make_scene(sample, 160)
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 255, (3, 160, 160), dtype=np.uint8)
    with rasterio.open(sample / "optical.tif", "w", driver="GTiff", width=160, height=160,
                       count=3, dtype="uint8", crs=UTM, transform=sar_transform()) as dst:
        dst.write(truth)
    out = tmp_path / "out"
    proc = run_cli("demo", "--out", str(out), "--sample", str(sample), "--model", str(weights),
                   "--device", "cpu", cwd=tmp_path, check=True)
    assert "demo_preview.png" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["demo_optical.tif", "demo_preview.png"]
    png = (out / "demo_preview.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    with rasterio.open(out / "demo_optical.tif") as o:
        assert o.read().std() > 20 and o.crs.to_string() == UTM
