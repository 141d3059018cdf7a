"""``simulate --landslide``: the pre-event scene is the plain scene, slides change the cover,
heights and images only where the true mask says, and the files are written."""
from __future__ import annotations

import numpy as np
import pytest
import rasterio
from sardine.training.simulate import SceneSpec, simulate_scene
from sardine.training.simulate.landcover import SCREE
from sardine.training.simulate.landslide import (
    DEPOSIT,
    SOURCE,
    simulate_landslide,
    write_landslide,
)

SPEC = dict(size=192, pixel_size=20.0, seed=3)


@pytest.fixture(scope="module")
def pair():
    return simulate_landslide(SceneSpec(**SPEC), count=3)


def test_pre_event_scene_is_the_plain_scene(pair):
    plain = simulate_scene(SceneSpec(**SPEC))
    assert np.array_equal(pair.pre.optical, plain.optical)
    assert np.array_equal(pair.pre.sar_db, plain.sar_db, equal_nan=True)


def test_slides_change_only_where_the_mask_says(pair):
    mask, dz = pair.slides.mask, pair.slides.dz
    assert pair.slides.count >= 1
    assert (dz[mask == SOURCE] < 0).mean() > 0.9 and (dz[mask == DEPOSIT] > 0).mean() > 0.9
    assert np.all(dz[mask == 0] == 0)
    assert abs(float(dz.sum())) < 1e-2 * float(np.abs(dz).sum())  # volume kept
    assert np.all(pair.post.landcover[mask == DEPOSIT] == SCREE)
    changed = np.abs(pair.post.optical.astype(int) - pair.pre.optical).sum(axis=0) > 0
    assert changed[mask > 0].mean() > 0.9
    assert changed[mask == 0].mean() < 0.02  # only hillshade at the rims
    sar_diff = np.abs(pair.post.sar_db - pair.pre.sar_db)
    assert np.nanmean(sar_diff[:, mask == 0]) > 0.5  # fresh speckle, as two acquisitions


def test_files_are_written(pair, tmp_path):
    paths = write_landslide(pair, tmp_path)
    for name in ("pre_sar", "post_sar", "pre_optical", "post_optical", "landslide"):
        assert paths[name].exists()
    with rasterio.open(paths["landslide"]) as src:
        assert np.array_equal(src.read(1), pair.slides.mask)
        assert "deposit" in src.descriptions[0]


def test_roc_auc_counts_ranks_and_ties():
    from sardine.training.evaluation.change import roc_auc

    truth = np.array([0, 0, 1, 1], bool)
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), truth) == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), truth) == 0.0
    assert roc_auc(np.ones(4), truth) == 0.5
    assert roc_auc(np.array([0.1, np.nan, 0.8, 0.05]), truth) == 0.5  # NaN left out
