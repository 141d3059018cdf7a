"""sardine train --init with --config: a partial warm start (every module that still fits)."""
from __future__ import annotations

import pytest
import torch
from sardine.core.errors import InputError
from sardine.core.weights import load_weights
from sardine.training.train.config import TrainConfig
from sardine.training.train.warmstart import load_init, start_fresh_output_at_colour
from support import save_tiny

COLOUR = (0.15, 0.21, 0.12)


def _cfg(tmp_path, weights, config=None) -> TrainConfig:
    return TrainConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"),
                       model="sardinet-late", init=str(weights), model_config=config)


def test_a_new_decoder_keeps_conditioning_and_encoder(tmp_path):
    weights = save_tiny(tmp_path / "old.safetensors")
    stored, _ = load_weights(weights)
    model, norm, warm = load_init(_cfg(tmp_path, weights, {"upsampling": "bilinear"}))
    assert model.config.upsampling == "bilinear"
    assert model.config.encoder_widths == stored.config.encoder_widths  # the rest is kept
    old, new = stored.state_dict(), model.state_dict()
    for name in new:
        if name.startswith(("conditioning.", "encoder.")):
            assert name in warm.copied and torch.equal(new[name], old[name]), name
    assert warm.fresh and all(n.startswith("decoder.") for n in warm.fresh)
    # whole modules only: no decoder bias taken without its kernel
    assert not any(n.startswith("decoder.") for n in warm.copied)
    assert start_fresh_output_at_colour(model, warm, COLOUR)
    out = model.eval()(torch.zeros(1, 2, 16, 16), torch.zeros(1, 1, 16, 16))
    assert torch.allclose(out.mean((0, 2, 3)), torch.tensor(COLOUR), atol=0.05)
    assert norm.sar_db_ranges == load_weights(weights)[1].normalization.sar_db_ranges


def test_copied_output_layers_are_never_restarted(tmp_path):
    weights = save_tiny(tmp_path / "old.safetensors")
    model, _, warm = load_init(_cfg(tmp_path, weights, {"detail_width": 4}))
    assert warm.partial and all(n.startswith("detail.") for n in warm.fresh)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert not start_fresh_output_at_colour(model, warm, COLOUR)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_without_config_everything_is_taken(tmp_path):
    weights = save_tiny(tmp_path / "old.safetensors")
    model, _, warm = load_init(_cfg(tmp_path, weights))
    assert not warm.partial and len(warm.copied) == len(model.state_dict())
    assert not start_fresh_output_at_colour(model, warm, COLOUR)


def test_a_config_that_keeps_nothing_is_refused(tmp_path):
    weights = save_tiny(tmp_path / "old.safetensors")
    config = {"conditioning_widths": [4, 6], "encoder_widths": [6, 10],
              "decoder_widths": [5, 3], "upsampling": "nearest"}
    with pytest.raises(InputError, match="no tensor"):
        load_init(_cfg(tmp_path, weights, config))
