"""Region metrics against scikit-image, and region masking by distortion code."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sardine.core.errors import InputError
from sardine.training.evaluation.metrics import (
    SSIM_WIN,
    RegionAccumulator,
    evaluate_regions,
    mse,
    psnr,
    region_masks,
    ssim,
    ssim_map,
)
from skimage import data as skdata
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity


def _pair(seed: int, shape=(3, 48, 40)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random(shape)
    pred = np.clip(truth + rng.normal(0, 0.1, shape), 0, 1)
    return pred, truth


def _real_pair() -> tuple[np.ndarray, np.ndarray]:
    """skimage's astronaut photograph and a blurred, noisy copy of it."""
    from scipy.ndimage import gaussian_filter

    truth = np.transpose(skdata.astronaut()[::4, ::4].astype(np.float64) / 255.0, (2, 0, 1))
    rng = np.random.default_rng(1)
    pred = np.clip(gaussian_filter(truth, (0, 1.2, 1.2)) + rng.normal(0, 0.03, truth.shape),
                   0, 1)
    return pred, truth


@pytest.mark.parametrize("make", [lambda: _pair(0), _real_pair], ids=["random", "astronaut"])
def test_global_metrics_match_scikit_image(make):
    pred, truth = make()
    assert mse(pred, truth) == pytest.approx(mean_squared_error(truth, pred), rel=1e-12)
    assert psnr(pred, truth) == pytest.approx(
        peak_signal_noise_ratio(truth, pred, data_range=1.0), rel=1e-12)
    ref, full = structural_similarity(truth, pred, data_range=1.0, channel_axis=0,
                                      gaussian_weights=True, sigma=1.5,
                                      use_sample_covariance=False, full=True)
    # The full map averaged over every pixel...
    assert ssim(pred, truth) == pytest.approx(float(full.mean()), rel=1e-12)
    # ...and over the pixels away from the border, which is scikit-image's own mean SSIM.
    pad = (SSIM_WIN - 1) // 2
    inner = np.zeros(pred.shape[1:], bool)
    inner[pad:-pad, pad:-pad] = True
    assert ssim(pred, truth, inner) == pytest.approx(ref, rel=1e-12)


def test_grayscale_ssim_matches_scikit_image():
    truth = skdata.camera()[::8, ::8].astype(np.float64) / 255.0
    pred = np.clip(truth + np.random.default_rng(2).normal(0, 0.05, truth.shape), 0, 1)
    _, full = structural_similarity(truth, pred, data_range=1.0, gaussian_weights=True,
                                    sigma=1.5, use_sample_covariance=False, full=True)
    assert ssim(pred, truth) == pytest.approx(float(full.mean()), rel=1e-12)


def test_masked_metrics_use_only_region_pixels():
    pred, truth = _pair(3)
    mask = np.zeros(pred.shape[1:], bool)
    mask[5:20, 10:30] = True
    diff = (pred - truth)[:, 5:20, 10:30]
    assert mse(pred, truth, mask) == pytest.approx(float(np.mean(diff ** 2)))
    assert ssim(pred, truth, mask) == pytest.approx(
        float(ssim_map(pred, truth)[:, 5:20, 10:30].mean()))
    assert math.isnan(mse(pred, truth, np.zeros_like(mask)))


def test_region_masks_from_codes():
    codes = np.array([[0, 1, 2], [3, 255, 0]], dtype=np.uint8)
    valid = np.array([[True, True, True], [True, True, False]])
    masks = region_masks(codes, valid)
    assert masks["global"].tolist() == [[True, True, True], [True, False, False]]
    assert masks["foreshortening"].tolist() == [[False, True, True], [False, False, False]]
    assert masks["shadow"].tolist() == [[False, False, False], [True, False, False]]
    assert masks["non_distorted"].tolist() == [[True, False, False], [False, False, False]]
    only_global = region_masks(None, valid)
    assert only_global["global"].tolist() == valid.tolist()
    assert not only_global["shadow"].any()


def test_perfect_region_has_zero_error_while_others_do_not():
    rng = np.random.default_rng(4)
    truth = rng.random((3, 40, 40))
    codes = np.zeros((40, 40), np.uint8)
    codes[:, 20:] = 3  # right half in shadow
    pred = truth.copy()
    pred[:, :, :20] = rng.random((3, 40, 20))  # noise outside the shadow
    result = evaluate_regions(pred, truth, codes)
    assert result["shadow"]["mse"] == 0.0
    assert result["shadow"]["psnr"] == math.inf
    assert result["non_distorted"]["mse"] > 0.05
    assert result["shadow"]["pixels"] == 800
    assert math.isnan(result["foreshortening"]["mse"])
    # SSIM is 1 wherever the whole window lies inside the perfect region.
    assert ssim_map(pred, truth)[:, :, 26:].min() == pytest.approx(1.0)


def test_invalid_pixels_are_never_counted():
    rng = np.random.default_rng(5)
    truth = rng.random((3, 32, 32))
    pred = truth.copy()
    valid = np.ones((32, 32), bool)
    valid[:8] = False
    pred[:, :8] = 1.0 - truth[:, :8]
    truth_nan = truth.copy()
    truth_nan[:, :8] = np.nan
    result = evaluate_regions(pred, truth_nan, np.zeros((32, 32), np.uint8), valid)
    assert result["global"]["mse"] == 0.0
    assert result["global"]["pixels"] == 24 * 32


def test_accumulator_pools_pixels_over_images():
    a_pred, a_truth = _pair(6, (3, 24, 24))
    b_pred, b_truth = _pair(7, (3, 24, 24))
    codes_a = np.zeros((24, 24), np.uint8)
    codes_b = np.full((24, 24), 3, np.uint8)
    codes_b[:, :4] = 0
    acc = RegionAccumulator()
    acc.add(a_pred, a_truth, codes_a)
    acc.add(b_pred, b_truth, codes_b)
    res = acc.result()
    both_pred = np.concatenate([a_pred, b_pred[:, :, :4]], axis=2)
    both_truth = np.concatenate([a_truth, b_truth[:, :, :4]], axis=2)
    assert res["non_distorted"]["mse"] == pytest.approx(mse(both_pred, both_truth))
    assert res["non_distorted"]["pixels"] == 24 * 24 + 24 * 4
    assert res["global"]["pixels"] == 2 * 24 * 24
    assert acc.images == 2


def test_bad_shapes_name_the_fix():
    pred, truth = _pair(8)
    with pytest.raises(InputError, match="same size"):
        mse(pred, truth[:, :10])
    with pytest.raises(InputError, match="at least"):
        ssim(pred[:, :8, :8], truth[:, :8, :8])
