"""The simulator calibrated on real statistics: its per-class backscatter, speckle and colour on
flat ground reproduce the measured table; the measurement itself behaves on known inputs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sardine.training.simulate.calibration import (
    calibrated_looks,
    load_statistics,
    speckle_db_mean,
    speckle_db_std,
)
from sardine.training.simulate.compare import flat_statistics
from sardine.training.simulate.real_stats import classify_pixels, window_enl
from sardine.training.simulate.sar import DEFAULT_LOOKS


@pytest.fixture(scope="module")
def simulated() -> dict:
    return flat_statistics(size=320, seed=0)


def test_table_is_measured_on_real_training_pairs() -> None:
    table = load_statistics()
    assert set(table["classes"]) == {"water", "forest", "open", "built"}
    assert table["measured"]["parts"] == ["train", "val"]
    assert all(r["pixels"] > 500 for r in table["classes"].values())
    assert DEFAULT_LOOKS == calibrated_looks()


@pytest.mark.parametrize("name", ["water", "forest", "open", "built"])
def test_simulated_class_means_match_the_table(simulated: dict, name: str) -> None:
    real, sim = load_statistics()["classes"][name], simulated[name]
    for key in ("vv_db_mean", "vh_db_mean"):
        assert sim[key] == pytest.approx(real[key], abs=1.3), key
    assert np.allclose(sim["rgb_mean"], real["rgb_mean"], atol=0.04)


@pytest.mark.parametrize("name", ["forest", "open"])
def test_simulated_spread_and_speckle_match_the_table(simulated: dict, name: str) -> None:
    real, sim = load_statistics()["classes"][name], simulated[name]
    for key in ("vv_db_std", "vh_db_std"):
        assert sim[key] == pytest.approx(real[key], abs=0.6), key
    for key in ("vv_enl", "vh_enl"):
        assert sim[key] == pytest.approx(real[key], rel=0.3), key
    assert np.allclose(sim["rgb_std"], real["rgb_std"], atol=0.02)


def test_enl_of_pure_speckle_is_its_number_of_looks() -> None:
    rng = np.random.default_rng(1)
    intensity = rng.gamma(6.0, 1.0 / 6.0, (200, 200))
    enl = window_enl(intensity, np.ones((200, 200), bool))
    assert np.median(enl) == pytest.approx(6.0, rel=0.15)
    assert window_enl(intensity, np.zeros((200, 200), bool)).size == 0
    db = 10 * np.log10(rng.gamma(6.0, 1.0 / 6.0, 400_000))
    assert db.mean() == pytest.approx(speckle_db_mean(6.0), abs=0.02)
    assert db.std() == pytest.approx(speckle_db_std(6.0), abs=0.02)


def test_pixel_classes_follow_spectrum_and_labels() -> None:
    s2 = np.zeros((5, 12, 12), np.float32)  # B04, B03, B02, B08, B11 reflectance x 10000
    s2[:, :, :4] = np.array([300, 700, 400, 200, 100])[:, None, None]  # water
    s2[:, :, 4:8] = np.array([250, 450, 250, 3000, 1500])[:, None, None]  # dark canopy
    s2[:, :, 8:] = np.array([400, 800, 400, 4000, 2200])[:, None, None]  # bright grass
    masks = classify_pixels(s2, ["Inland waters", "Mixed forest", "Pastures"])
    assert masks["water"][1:-1, 1:3].all() and masks["forest"][1:-1, 5:7].all()
    assert masks["open"][1:-1, 9:11].all() and not masks["built"].any()
    no_water = classify_pixels(s2, ["Mixed forest", "Pastures"])
    assert not no_water["water"].any() and not no_water["open"][:, :4].any()


def test_bundled_table_is_what_calibrate_measures(tmp_path: Path, cli) -> None:
    out = tmp_path / "stats.json"
    proc = cli("calibrate", "--out", str(out), check=True)
    assert "forest" in proc.stdout and out.is_file()
    measured, bundled = json.loads(out.read_text()), load_statistics()
    assert measured["classes"] == bundled["classes"]
    assert measured["gamut"] == bundled["gamut"]
    assert measured["measured"]["patches"] == bundled["measured"]["patches"]
