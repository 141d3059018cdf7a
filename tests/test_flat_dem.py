"""A flat stand-in DEM for real pairs without one: explicit only (``flat_dem_m`` /
``--flat-dem``), constant where asked, refused where a real DEM exists, and it lets a
DEM-fusing model be scored on the real BigEarthNet v2 pairs (Global region only)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sardine.core.errors import InputError
from sardine.core.normalization import Normalization
from sardine.training.datasets import configilm_benv2_root, open_dataset
from support import save_tiny, write_patch_folder


def test_flat_dem_is_constant_and_explicit(tmp_path: Path) -> None:
    root = configilm_benv2_root()
    assert not open_dataset(root).has_dem  # never silently
    data = open_dataset(root, flat_dem_m=450.0)
    sample = data[0]
    assert data.has_dem and bool(sample["has_dem"])
    assert np.allclose(sample["dem"].numpy(), 450.0 / data.norm.dem_max_m)
    assert data.describe()["flat_dem_m"] == 450.0
    sim = write_patch_folder(tmp_path / "sim", count=10, size=32, dem=True)
    with pytest.raises(InputError, match="its own DEM"):
        open_dataset(sim, flat_dem_m=450.0)


def test_a_mix_gives_flat_dem_per_source(tmp_path: Path) -> None:
    write_patch_folder(tmp_path / "sim", count=10, size=32, dem=True)
    mix = tmp_path / "mix"
    mix.mkdir()
    (mix / "mix.json").write_text(json.dumps({"sources": [
        "../sim", {"path": str(configilm_benv2_root()), "flat_dem_m": 300}]}))
    data = open_dataset(mix)
    assert data.has_dem
    real = data[len(data) - 1]
    assert bool(real["has_dem"]) and np.allclose(real["dem"].numpy(), 300 / 4000)
    with pytest.raises(InputError, match="mix.json"):
        open_dataset(mix, flat_dem_m=300.0)


def test_a_dem_model_is_scored_on_real_pairs_with_a_flat_dem(tmp_path: Path) -> None:
    from sardine.training.evaluation.evaluate import EvalOptions, evaluate_models

    weights = save_tiny(tmp_path / "late.safetensors", "sardinet-late",
                        normalization=Normalization(sar_bands=("VV", "VH")))
    root = configilm_benv2_root()
    with pytest.raises(InputError, match="--flat-dem"):
        evaluate_models([weights], root, EvalOptions(figure_patches=0, device="cpu"))
    report, _ = evaluate_models([weights], root, EvalOptions(
        figure_patches=0, device="cpu", batch=6, flat_dem_m=450.0))
    assert report["dataset"]["flat_dem_m"] == 450.0
    assert "flat stand-in DEM" in report["dataset"]["distortion_source"]
    row = report["rows"][0]["metrics"]
    assert row["global"]["pixels"] == 6 * 120 * 120 and row["shadow"]["pixels"] == 0
