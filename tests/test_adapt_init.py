"""sardine train --init: a warm start from given weights (architecture, tensors, scaling)."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import torch
from sardine.core.bundled import resolve_model
from sardine.core.errors import InputError
from sardine.core.feedback import Feedback
from sardine.core.weights import load_weights
from sardine.training.train import ddp
from sardine.training.train.args import add_arguments, config_from_args
from sardine.training.train.trainer import _Run


@pytest.fixture(scope="module")
def bigearthnet(tmp_path_factory) -> Path:
    pytest.importorskip("bigearthnet_common")
    from sardine.training.datasets.bigearthnet import extract_bigearthnet_example

    return extract_bigearthnet_example(tmp_path_factory.mktemp("ben"))


def _config(tmp_path: Path, data: Path, *extra: str):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--data", str(data), "--out", str(tmp_path / "run"),
                              "--device", "cpu", *extra])
    return config_from_args(args)


def test_init_starts_from_the_given_tensors(tmp_path, bigearthnet):
    cfg = _config(tmp_path, bigearthnet, "--init", "sardinet")
    assert cfg.model == "sardinet"  # taken from the weights when --model is left out
    ctx = ddp.setup(cfg.device)
    try:
        run = _Run(cfg, Feedback(), ctx, False)
        run.prepare_folder()
        data, step = run.build()
    finally:
        ctx.close()
    expected, meta = load_weights(resolve_model("sardinet"))
    got = step.translation_model.state_dict()
    for name, tensor in expected.state_dict().items():
        assert torch.equal(got[name].cpu(), tensor), name
    assert data.dataset.norm.sar_db_ranges == meta.normalization.sar_db_ranges
    assert data.dataset.norm.optical_scale == 3000.0  # the data's own optical scaling


def test_init_refuses_another_architecture(tmp_path, bigearthnet):
    cfg = _config(tmp_path, bigearthnet, "--init", "sardinet", "--model", "sardinet-late")
    ctx = ddp.setup(cfg.device)
    try:
        run = _Run(cfg, Feedback(), ctx, False)
        run.prepare_folder()
        with pytest.raises(InputError, match="--init"):
            run.build()
    finally:
        ctx.close()
