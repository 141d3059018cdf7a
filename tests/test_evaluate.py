"""``sardine evaluate``: report files with every field for a tiny two-model run, FID skipped
with a clear message when no Inception weights are given, the figure, and enhancement rows."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import rasterio
import torch
from conftest import run_cli
from sardine.training.evaluation.metrics import REGIONS
from support import make_dataset, save_eval_weights


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp("eval") / "data")


@pytest.fixture(scope="module")
def tiny(tiny_data):
    root = tiny_data.parent
    weights = [save_eval_weights(root, "sardinet"), save_eval_weights(root, "sardinet-late", 1)]
    return tiny_data, weights


def test_two_model_report_has_every_field(tiny, tmp_path):
    data, weights = tiny
    out = tmp_path / "report"
    proc = run_cli("evaluate", "--weights", *map(str, weights), "--data", str(data),
                   "--enhance", "none,laplacian,wiener", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["figure.png", "report.csv", "report.json",
                                                     "report.md"]
    assert [p for p in tmp_path.iterdir() if p != out] == []
    # FID is skipped, and said so clearly, without Inception weights.
    assert "--inception-weights" in proc.stderr + proc.stdout
    assert "Axes3D" not in proc.stderr  # Debian's mpl_toolkits beside pip's: not the user's
    report = json.loads((out / "report.json").read_text())
    assert report["fid"]["computed"] is False
    assert report["dataset"]["patches"] == 2
    assert report["dataset"]["split"] == "test"
    assert "distortion masks" in report["dataset"]["distortion_source"]
    rows = report["rows"]
    assert [(r["model"], r["enhancement"]) for r in rows] == [
        (m, e) for m in ("sardinet", "sardinet-late") for e in ("none", "laplacian", "wiener")]
    for row in rows:
        assert row["parameters"] > 0
        assert set(row["metrics"]) == set(REGIONS)
        for region in REGIONS:
            values = row["metrics"][region]
            assert values["pixels"] > 0
            assert 0 < values["mse"] < 1 and -1 <= values["ssim"] <= 1 and values["psnr"] > 0
        assert row["metrics"]["global"]["fid"] is None
        assert 0 <= row["realism"]["out_of_gamut"] <= 1 and row["realism"]["grid_excess"] >= 0
    assert rows[3]["conditioning_weights"] > 0
    assert report["realism"]["truth"]["grid_period"] == 8

    with (out / "report.csv").open() as handle:
        lines = list(csv.DictReader(handle))
    assert [line["model"] for line in lines] == ["mean colour (reference)"] + \
        [r["model"] for r in rows]
    lines = lines[1:]
    for region in REGIONS:
        for metric in ("mse", "ssim", "psnr"):
            assert math.isfinite(float(lines[0][f"{region}_{metric}"]))
    assert lines[0]["global_fid"] == ""

    md = (out / "report.md").read_text()
    assert "## Table 1" in md and "## Contrast enhancement" in md
    for header in ("Global MSE", "Foreshortening SSIM", "Non-distorted PSNR", "Shadow MSE",
                   "Global FID"):
        assert header in md
    table = md.split("## Table 1")[1].split("##")[0]
    assert table.count("**") >= 2 * 12  # a best value per column (FID is n/a here)
    reference_line = next(line for line in table.splitlines() if "mean colour" in line)
    assert "**" not in reference_line  # a yardstick, never ranked
    assert "mean colour of the training split" in md
    assert "sardinet-late + wiener" in md
    assert "## Realism" in md and "| *truth* |" in md


def test_figure_is_a_picture_of_every_model(tiny, tmp_path):
    from PIL import Image

    data, weights = tiny
    out = tmp_path / "o"
    run_cli("evaluate", "--weights", *map(str, weights), "--data", str(data), "--split", "all",
            "--figure-patches", "3", "--out", str(out), check=True)
    with Image.open(out / "figure.png") as image:
        width, height = image.size
    assert width > 4 * height / 3  # 5 columns (SAR, DEM, 2 models, truth) over 3 rows
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"]["patches"] == 10


class _Grey(torch.nn.Module):
    """A stand-in model that paints every pixel mid-grey, so its scores are known."""

    def __init__(self):
        from sardine.core.models import ModelSpec

        super().__init__()
        self.spec = ModelSpec("grey", "test", 2, False, 3)
        self.bias = torch.nn.Parameter(torch.zeros(1))

    def predict(self, sar, dem=None):
        return torch.full((sar.shape[0], 3, *sar.shape[-2:]), 0.5)


def test_loop_scores_match_an_independent_computation(tiny_data):
    from sardine.core.normalization import Normalization
    from sardine.training.evaluation.evaluate import EvalOptions, evaluate_models
    from sardine.training.evaluation.models import EvalModel

    data = tiny_data
    model = EvalModel("grey", None, _Grey(), Normalization())
    report, figure = evaluate_models([], data, EvalOptions(batch=1), models=[model])
    truth = np.stack([rasterio.open(data / "optical" / f"p0{i}.tif").read() / 255.0
                      for i in (8, 9)])
    codes = np.stack([rasterio.open(data / "distortion" / f"p0{i}.tif").read(1)
                      for i in (8, 9)])
    metrics = report["rows"][0]["metrics"]
    assert metrics["global"]["mse"] == pytest.approx(float(np.mean((truth - 0.5) ** 2)))
    shadow = np.broadcast_to((codes == 3)[:, None], truth.shape)
    assert metrics["shadow"]["mse"] == pytest.approx(float(np.mean((truth[shadow] - 0.5) ** 2)))
    assert metrics["foreshortening"]["pixels"] == int(np.isin(codes, (1, 2)).sum())
    assert len(figure["predictions"]["grey"]) == len(figure["patches"]) == 2


def test_reference_row_is_the_training_mean_colour(tiny_data):
    """Table 1's yardstick: the mean colour of the 6 training patches painted over the 2 test
    patches, region by region."""
    from sardine.core.normalization import Normalization
    from sardine.training.evaluation.evaluate import EvalOptions, evaluate_models
    from sardine.training.evaluation.models import EvalModel

    data = tiny_data
    model = EvalModel("grey", None, _Grey(), Normalization())
    report, _ = evaluate_models([], data, EvalOptions(batch=1), models=[model])

    def read(folder, i):
        with rasterio.open(data / folder / f"p{i:02d}.tif") as src:
            return src.read()

    train = np.stack([read("optical", i) / 255.0 for i in range(6)])
    colour = train.mean(axis=(0, 2, 3))
    truth = np.stack([read("optical", i) / 255.0 for i in (8, 9)])
    codes = np.stack([read("distortion", i)[0] for i in (8, 9)])
    reference = report["reference"]
    assert reference["mean_rgb"] == pytest.approx(colour.tolist(), abs=1e-6)
    error = (truth - colour[None, :, None, None]) ** 2
    assert reference["metrics"]["global"]["mse"] == pytest.approx(float(error.mean()), rel=1e-5)
    fore = np.broadcast_to(np.isin(codes, (1, 2))[:, None], truth.shape)
    assert reference["metrics"]["foreshortening"]["mse"] == pytest.approx(
        float(error[fore].mean()), rel=1e-5)
    assert reference["metrics"]["shadow"]["pixels"] == int((codes == 3).sum())
    # With no training part (--split all) the evaluated truths give the colour, and say so.
    report, _ = evaluate_models([], data, EvalOptions(batch=1, split="all"), models=[model])
    assert "no training split" in report["reference"]["note"]


def test_errors_name_the_fix(tiny, tmp_path):
    data, weights = tiny
    proc = run_cli("evaluate", "--weights", str(tmp_path / "nope.safetensors"), "--data",
                   str(data), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "does not exist" in proc.stderr
    proc = run_cli("evaluate", "--weights", str(weights[0]), "--data", str(data),
                   "--enhance", "sharpen", "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "laplacian" in proc.stderr
    proc = run_cli("evaluate", "--weights", str(weights[0]), "--data", str(data),
                   "--inception-weights", str(tmp_path / "inception.safetensors"),
                   "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "Inception" in proc.stderr


def test_fid_is_reported_when_inception_weights_are_given(tiny_data, tmp_path):
    """The FID path end to end, with random Inception weights (real ones are not shipped)."""
    from safetensors.torch import save_file
    from sardine.core.normalization import Normalization
    from sardine.training.evaluation.evaluate import EvalOptions, evaluate_models
    from sardine.training.evaluation.inception import InceptionV3
    from sardine.training.evaluation.models import EvalModel

    torch.manual_seed(0)
    state = {k: v.contiguous() for k, v in InceptionV3().state_dict().items()}
    inception = tmp_path / "inception.safetensors"
    save_file(state, str(inception))
    model = EvalModel("grey", None, _Grey(), Normalization())
    options = EvalOptions(inception_weights=str(inception), figure_patches=0)
    report, _ = evaluate_models([], tiny_data, options, models=[model])
    assert report["fid"]["computed"] is True
    assert "2 images per set" in report["fid"]["note"]
    fid = report["rows"][0]["metrics"]["global"]["fid"]
    assert math.isfinite(fid) and fid >= 0
