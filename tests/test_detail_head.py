"""The full-resolution detail head of ``sardine adapt --detail``: it starts as a no-op, its
weights save and load, it trains, and it is refused where it does not fit."""
from __future__ import annotations

import pytest
import torch
from sardine.core.errors import InputError
from sardine.core.models import build_model
from sardine.core.models.sardinet import with_detail_head
from sardine.core.normalization import Normalization
from sardine.core.weights import WeightsMetadata, load_weights, save_weights
from support import tiny_model


def test_a_new_head_changes_nothing_and_round_trips(tmp_path):
    base = tiny_model("sardinet-late")
    model = with_detail_head(base, 4).eval()
    sar, dem = torch.rand(1, 2, 32, 32), torch.rand(1, 1, 32, 32)
    assert torch.equal(model(sar, dem), base(sar, dem))
    assert "detail_width" not in base.config.to_dict()  # older weights read as before
    assert with_detail_head(model, 8) is model  # adapted weights keep their head
    with torch.no_grad():
        model.detail.layers[-1].bias.fill_(0.5)
    path = save_weights(tmp_path / "d.safetensors", model, WeightsMetadata(
        normalization=Normalization(), training_data="tests"))
    loaded, _ = load_weights(path)
    assert loaded.config.detail_width == 4
    assert torch.allclose(loaded(sar, dem), model(sar, dem))
    assert not torch.allclose(loaded(sar, dem), base(sar, dem))


def test_the_head_learns():
    model = with_detail_head(tiny_model("sardinet"), 4).train()
    optimizer = torch.optim.SGD(model.detail.parameters(), lr=0.5)
    sar, target = torch.rand(2, 2, 32, 32), torch.rand(2, 3, 32, 32)
    first = None
    for _ in range(5):
        loss = (model(sar) - target).abs().mean()
        first = first if first is not None else float(loss.detach())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < first


def test_other_families_are_refused():
    with pytest.raises(InputError, match="SARDINet models only"):
        with_detail_head(build_model("pix2pix", {"generator": "compact", "ngf": 4}), 4)
