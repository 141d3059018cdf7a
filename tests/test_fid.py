"""Fréchet distance on Gaussians with known answers, and the Inception weights loader."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from sardine.core.errors import InputError, WeightsError
from sardine.training.evaluation.fid import (
    FeatureCollector,
    feature_statistics,
    fid_from_features,
    frechet_distance,
    load_inception,
)
from sardine.training.evaluation.inception import FEATURE_DIM, InceptionV3
from scipy.stats import ortho_group


def test_identical_gaussians_have_zero_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    sigma = a @ a.T + np.eye(6)
    mu = rng.normal(size=6)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


def test_mean_shift_only():
    mu1, mu2 = np.array([0.0, 0.0, 0.0]), np.array([1.0, 2.0, 2.0])
    assert frechet_distance(mu1, np.eye(3), mu2, np.eye(3)) == pytest.approx(9.0)


def test_commuting_covariances_closed_form():
    # Same eigenvectors: d = |dmu|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
    q = ortho_group.rvs(5, random_state=1)
    a = np.array([1.0, 4.0, 9.0, 0.25, 2.0])
    b = np.array([4.0, 1.0, 1.0, 1.0, 8.0])
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    mu1, mu2 = np.zeros(5), np.full(5, 0.5)
    expected = 5 * 0.25 + float(np.sum((np.sqrt(a) - np.sqrt(b)) ** 2))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_one_dimensional_gaussians():
    # W2^2 between N(1, 4) and N(3, 9): (1-3)^2 + (2-3)^2 = 5.
    assert frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(5.0)


def test_singular_covariances_do_not_fail():
    rng = np.random.default_rng(2)
    few = rng.normal(size=(4, 16))  # 4 samples in 16 dimensions: rank-deficient covariance
    other = rng.normal(size=(4, 16)) + 0.5
    value = fid_from_features(few, other)
    assert np.isfinite(value) and value > 0
    assert fid_from_features(few, few) == pytest.approx(0.0, abs=1e-4)


def test_sampled_statistics_approach_the_closed_form():
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, size=(20000, 2))
    y = rng.normal(1.0, 2.0, size=(20000, 2))
    # |dmu|^2 = 2, trace term 2 * (1 - 2)^2 = 2: total 4.
    assert fid_from_features(x, y) == pytest.approx(4.0, rel=0.05)
    with pytest.raises(InputError, match="at least 2"):
        feature_statistics(x[:1])


def test_inception_matches_torchvision_layout_and_size():
    model = InceptionV3(num_classes=1000, tf_variant=False)
    # torchvision's inception_v3(aux_logits=False) has exactly this many parameters.
    assert sum(p.numel() for p in model.parameters()) == 23_834_568
    assert "Mixed_7c.branch3x3dbl_3b.bn.running_var" in model.state_dict()


def test_load_inception_from_safetensors(tmp_path):
    torch.manual_seed(0)
    model = InceptionV3(num_classes=1008, tf_variant=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    path = tmp_path / "inception.safetensors"
    save_file(state, str(path))
    loaded = load_inception(path)
    assert loaded.tf_variant and not loaded.training
    collector = FeatureCollector(loaded)
    collector.add(np.random.default_rng(0).random((2, 3, 40, 40)).astype(np.float32))
    assert collector.features().shape == (2, FEATURE_DIM)
    assert np.isfinite(collector.features()).all()


def test_inception_file_errors_name_the_fix(tmp_path):
    with pytest.raises(InputError, match="does not exist.*safetensors"):
        load_inception(tmp_path / "missing.safetensors")
    pickle_like = tmp_path / "pt_inception.pth"
    pickle_like.write_bytes(b"not a pickle we would open")
    with pytest.raises(WeightsError, match="never opens pickled"):
        load_inception(pickle_like)
    wrong = tmp_path / "wrong.safetensors"
    save_file({"fc.weight": torch.zeros(10, 4)}, str(wrong))
    with pytest.raises(WeightsError, match="not an Inception-v3"):
        load_inception(wrong)
