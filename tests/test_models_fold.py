"""BatchNorm folding for inference: the folded model computes what the original computes,
for every registered model and decoder mode, and the engine runs folded models."""
from __future__ import annotations

import copy

import pytest
import torch
from sardine.core.models import build_model
from sardine.core.models.decoder import UPSAMPLING_MODES
from sardine.core.models.fold import fold_batchnorm
from torch import nn

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY_SARDINET = {"conditioning_widths": [8, 16], "balanced_kernels": [[2, 4], [2, 8]],
                 "encoder_widths": [16, 32], "decoder_widths": [16, 8]}
CASES = [(name, TINY_SARDINET) for name in ("sardinet", "sardinet-early", "sardinet-late",
                                            "sardinet-intermediate")]
CASES += [("sardinet-late", {**TINY_SARDINET, "upsampling": mode})
          for mode in UPSAMPLING_MODES]
CASES += [("pix2pix", {"ngf": 4, "norm": "batch"}), ("pix2pix", {"ngf": 4,
                                                                "generator": "compact"}),
          ("cyclegan", {"ngf": 4, "norm": "batch"})]


def _randomise_statistics(model: nn.Module, seed: int) -> None:
    """Trained-looking BatchNorms: running stats and affine terms far from the identity,
    scales of both signs (a negative scale must not be folded across a max-pool)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.5)
                m.running_var.copy_(torch.rand(n, generator=gen) * 2 + 0.1)
                if m.affine:
                    m.weight.copy_(torch.randn(n, generator=gen))
                    m.bias.copy_(torch.randn(n, generator=gen) * 0.3)


def _bn_count(model: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


@pytest.mark.parametrize(("name", "config"), CASES,
                         ids=[f"{n}-{c.get('upsampling', c.get('generator', ''))}"
                              for n, c in CASES])
def test_folded_model_matches_the_original(name, config):
    model = build_model(name, config).eval()
    _randomise_statistics(model, 0)
    sar = torch.rand(2, model.spec.sar_channels, 64, 64)
    dem = torch.rand(2, 1, 64, 64) if model.spec.uses_dem else None
    with torch.inference_mode():
        expected = model.predict(sar, dem)
    folded = copy.deepcopy(model)
    count = fold_batchnorm(folded)
    assert _bn_count(folded) == _bn_count(model) - count
    with torch.inference_mode():
        got = folded.predict(sar, dem)
    assert torch.allclose(got, expected, atol=2e-5, rtol=1e-4), \
        float((got - expected).abs().max())
    if name.startswith("sardinet"):
        assert count >= _bn_count(model) // 2  # most of SARDINet's BatchNorms go


def test_negative_scale_is_not_folded_across_max_pool():
    bn = nn.BatchNorm2d(2).eval()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, -0.7]))
    seq = nn.Sequential(nn.ReLU(), bn, nn.MaxPool2d(2),
                        nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")).eval()
    x = torch.randn(1, 2, 8, 8)
    expected = seq(x)
    assert fold_batchnorm(seq) == 0
    assert torch.equal(seq(x), expected)


def test_zero_padded_conv_does_not_absorb_a_preceding_shift():
    seq = nn.Sequential(nn.ReLU(), nn.BatchNorm2d(2), nn.Conv2d(2, 3, 3, padding=1)).eval()
    _randomise_statistics(seq, 1)
    assert fold_batchnorm(seq) == 0  # zero padding of a shifted map is not a shifted map


def test_training_mode_is_refused():
    with pytest.raises(ValueError, match="eval mode"):
        fold_batchnorm(build_model("sardinet", TINY_SARDINET).train())


def test_engine_runs_the_folded_model(tmp_path):
    """load_model folds what it loaded; the file on disk keeps its BatchNorms."""
    from sardine.core.translate.model_info import load_model
    from sardine.core.weights import WeightsMetadata, load_weights, save_weights

    model = build_model("sardinet-late", TINY_SARDINET).eval()
    _randomise_statistics(model, 2)
    path = tmp_path / "late.safetensors"
    save_weights(path, model, WeightsMetadata())
    loaded = load_model(str(path), torch.device("cpu"))
    assert _bn_count(loaded.module) < _bn_count(model)
    sar, dem = torch.rand(1, 2, 64, 64), torch.rand(1, 1, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(loaded.predict(sar, dem), model.predict(sar, dem), atol=2e-5)
    assert _bn_count(load_weights(path)[0]) == _bn_count(model)
