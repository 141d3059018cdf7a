"""The trainer: every family trains and writes loadable weights, losses go down, masked
pixels are ignored, resume is bit for bit, and the CLI reports bad input clearly."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch
from conftest import run_cli
from safetensors.torch import load_file
from sardine.core.errors import InputError
from sardine.core.models.registry import build_model
from sardine.core.onnx_model import read_onnx_metadata
from sardine.core.weights import load_weights, read_metadata, sha256_of
from sardine.training.train.amp import Amp
from sardine.training.train.batchnorm import recalibrate_batchnorm
from sardine.training.train.ddp import DistContext
from sardine.training.train.losses import SUPERVISED_LOSSES
from sardine.training.train.steps import SupervisedStep
from sardine.training.train.trainer import TrainConfig, train
from support import write_patch_folder

TINY = {
    "sardinet": {"conditioning_widths": [8, 16], "encoder_widths": [16, 32],
                 "decoder_widths": [16, 8]},
    "pix2pix": {"generator": "compact", "ngf": 8, "uses_dem": True},
    "cyclegan": {"generator": "resnet_6blocks", "ngf": 4, "uses_dem": True},
}
FAMILY_OF = {"sardinet": "sardinet", "sardinet-late": "sardinet",
             "sardinet-intermediate": "sardinet", "pix2pix": "pix2pix", "cyclegan": "cyclegan"}


def tiny(model: str) -> dict:
    config = dict(TINY[FAMILY_OF[model]])
    if model == "sardinet-intermediate":
        config["balanced_kernels"] = [[2, 4], [2, 8]]
    return config


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_patch_folder(tmp_path_factory.mktemp("train") / "data", count=10, size=32)


def _config(data: Path, out: Path, model: str = "sardinet", **kw) -> TrainConfig:
    fields = {"epochs": 1, "batch": 4, "lr": 1e-3, "device": "cpu", "previews": 2}
    fields.update(kw)
    return TrainConfig(data=str(data), out=str(out), model=model, model_config=tiny(model),
                       **fields)


@pytest.mark.parametrize("model", ["sardinet", "sardinet-late", "sardinet-intermediate",
                                   "pix2pix", "cyclegan"])
def test_one_epoch_writes_loadable_weights(data, tmp_path, model):
    result = train(_config(data, tmp_path / "run", model))
    run = result.run_dir
    for name in ("model.safetensors", "last.safetensors", "state.safetensors", "history.csv",
                 "loss.png", "config.json", "split.json", "previews/epoch_001.png"):
        assert (run / name).is_file(), name
    loaded, meta = load_weights(run / "model.safetensors")
    assert meta.model == model and meta.metrics["epoch"] == 1
    # the ONNX twin of the best weights, so translation runs them on the fast CPU runtimes
    assert result.onnx == run / "model.onnx"
    assert read_onnx_metadata(result.onnx).source_sha256 == sha256_of(run / "model.safetensors")
    assert meta.normalization.sar_bands == ("VV", "VH")
    sar, dem = torch.rand(1, 2, 40, 40), torch.rand(1, 1, 40, 40)
    rgb = loaded.predict(sar, dem)
    assert rgb.shape == (1, 3, 40, 40) and 0.0 <= float(rgb.min()) <= float(rgb.max()) <= 1.0
    rows = list(csv.DictReader((run / "history.csv").open()))
    assert len(rows) == 1 and {"val_l1", "val_mse", "val_ssim", "val_psnr",
                               "seconds"} <= set(rows[0])
    split = json.loads((run / "split.json").read_text())
    assert len(split["train"]) == 8 and len(split["val"]) == 1


def test_loss_goes_down(data, tmp_path):
    result = train(_config(data, tmp_path / "run", epochs=6, batch=2, lr=3e-3,
                           onnx_twin=False))
    losses = [row["train_l1"] for row in result.history]
    assert losses[-1] < 0.8 * losses[0], losses
    assert result.best_epoch >= 1 and result.model_path.is_file()
    assert result.onnx is None and not (result.run_dir / "model.onnx").exists()  # switched off


@pytest.mark.parametrize("loss", sorted(SUPERVISED_LOSSES))
def test_masked_pixels_do_not_contribute(loss):
    masked_loss = SUPERVISED_LOSSES[loss]
    torch.manual_seed(0)
    pred = torch.rand(2, 3, 8, 8, requires_grad=True)
    target = torch.rand(2, 3, 8, 8)
    valid = torch.rand(2, 1, 8, 8) > 0.3
    garbage = torch.where(valid, target, torch.full_like(target, 7.0))
    loss_a = masked_loss(pred, target, valid)
    (grad_a,) = torch.autograd.grad(loss_a, pred)
    loss_b = masked_loss(pred, garbage, valid)
    (grad_b,) = torch.autograd.grad(loss_b, pred)
    assert torch.equal(loss_a, loss_b) and torch.equal(grad_a, grad_b)
    assert float(grad_a.abs()[~valid.expand_as(pred)].sum()) == 0.0


def test_mse_loss_trains_picks_by_mse_and_starts_at_the_mean_colour(data, tmp_path):
    result = train(_config(data, tmp_path / "run", epochs=2, loss="mse", recalibrate_bn=True))
    rows = result.history
    assert all("train_mse" in row and "train_l1" not in row for row in rows)
    best = min(rows, key=lambda row: row["val_mse"])
    assert result.best_epoch == best["epoch"]
    start = json.loads((result.run_dir / "config.json").read_text())["start_colour"]
    assert len(start) == 3 and all(0.0 < c < 1.0 for c in start)
    with pytest.raises(InputError, match="--loss must be one of l1, mse"):
        _config(data, tmp_path / "bad", loss="huber")


def test_recalibrated_batchnorm_makes_eval_mode_match_the_batch_statistics():
    torch.manual_seed(0)
    model = build_model("sardinet", tiny("sardinet"))
    sar = torch.rand(4, 2, 32, 32)
    for m in model.modules():  # statistics that lag the weights, as after a fast run
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.fill_(3.0)
    with torch.no_grad():
        on_batch = model.train()(sar)
        stale = model.eval()(sar)
    assert recalibrate_batchnorm(model, [sar], lambda batch: model(batch)) == 1
    assert not model.training
    with torch.no_grad():
        fixed = model(sar)
    assert float((stale - on_batch).abs().max()) > 0.05
    # equal up to the unbiased variance BatchNorm keeps (n / (n - 1) on 4 x 4 x 4 values)
    assert float((fixed - on_batch).abs().max()) < 0.01
    gan = build_model("pix2pix", {"generator": "compact", "ngf": 4})
    assert recalibrate_batchnorm(gan, [], lambda batch: gan(batch)) == 0


def test_masked_pixels_leave_the_update_unchanged(data, tmp_path):
    """A full training step: whatever the optical holds under the mask, the weights after
    the step are identical."""
    batch = {"sar": torch.rand(2, 2, 32, 32), "dem": torch.rand(2, 1, 32, 32),
             "optical": torch.rand(2, 3, 32, 32), "valid": torch.rand(2, 1, 32, 32) > 0.5}
    other = dict(batch, optical=torch.where(batch["valid"], batch["optical"],
                                            torch.zeros_like(batch["optical"])))
    weights = []
    for sample in (batch, other):
        torch.manual_seed(0)
        model = build_model("sardinet-late", tiny("sardinet"))
        cfg = _config(data, tmp_path / "unused", "sardinet-late")
        ctx = DistContext()
        step = SupervisedStep(model, cfg, ctx, Amp(ctx.device), epochs=1)
        step.train()
        step.train_batch(sample)
        weights.append({k: v.clone() for k, v in model.state_dict().items()})
    for key in weights[0]:
        assert torch.equal(weights[0][key], weights[1][key]), key


def test_resume_equals_uninterrupted(data, tmp_path):
    full = train(_config(data, tmp_path / "full", epochs=2, augment=True))
    part = _config(data, tmp_path / "part", epochs=1, augment=True)
    train(part)
    resumed = train(_config(data, tmp_path / "part", epochs=2, augment=True, resume=True))
    a = load_file(str(full.last_path))
    b = load_file(str(resumed.last_path))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    for row_a, row_b in zip(full.history, resumed.history, strict=True):
        assert {k: v for k, v in row_a.items() if k != "seconds"} == \
            {k: v for k, v in row_b.items() if k != "seconds"}
    state_a = load_file(str(full.run_dir / "state.safetensors"))
    state_b = load_file(str(resumed.run_dir / "state.safetensors"))
    for key in state_a:
        assert torch.equal(state_a[key], state_b[key]), key


def test_existing_run_needs_resume(data, tmp_path):
    train(_config(data, tmp_path / "run"))
    with pytest.raises(InputError, match="--resume"):
        train(_config(data, tmp_path / "run"))
    with pytest.raises(InputError, match="last.safetensors"):
        train(_config(data, tmp_path / "fresh", resume=True))


def test_dem_model_on_data_without_dem(tmp_path):
    root = write_patch_folder(tmp_path / "nodem", count=5, dem=False)
    with pytest.raises(InputError, match="no DEM"):
        train(_config(root, tmp_path / "run", "sardinet-late"))


def test_sar_only_model_trains_on_bigearthnet(tmp_path):
    from sardine.training.datasets import extract_bigearthnet_example

    root = extract_bigearthnet_example(tmp_path / "ben")
    result = train(_config(root, tmp_path / "run", "sardinet", batch=2))
    meta = read_metadata(result.model_path)
    assert meta.normalization.optical_scale == 3000.0
    assert meta.pixel_size_m == 10.0 and "bigearthnet" in meta.training_data


def test_cli_train(data, tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "--data", str(data), "--out", str(out), "--model", "sardinet",
                   "--epochs", "1", "--batch", "4", "--device", "cpu",
                   "--config", json.dumps(tiny("sardinet")), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["best_epoch"] == 1 and Path(summary["model_path"]).is_file()
    assert summary["onnx"] == str(out / "model.onnx") and (out / "model.onnx").is_file()
    assert "epoch 1/1" in proc.stderr  # the per-epoch progress bar


def test_cli_train_bad_input(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli("train", "--data", str(empty), "--out", str(tmp_path / "run"))
    assert proc.returncode == 1
    assert "sardine train: error:" in proc.stderr and str(empty) in proc.stderr
    proc = run_cli("train", "--data", str(empty), "--out", str(tmp_path / "run"),
                   "--config", "{not json")
    assert proc.returncode == 1 and "--config" in proc.stderr


def test_config_inline_json_of_any_length_and_from_file(tmp_path):
    from sardine.training.train.args import config_from_json
    long = {"conditioning_widths": [24, 64], "note": "x" * 400}
    assert config_from_json(json.dumps(long)) == long
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"encoder_widths": [48, 96]}))
    assert config_from_json(str(path)) == {"encoder_widths": [48, 96]}
    with pytest.raises(InputError, match="neither a JSON object"):
        config_from_json(str(tmp_path / "missing.json"))
