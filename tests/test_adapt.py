"""sardine adapt: band and scaling guesses, masks, the block split, the fine-tuning on a
small simulated pair (optical in another CRS, 13-band stack, a cloud mask), bad input."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch
from adapt_pairs import CLOUD, make_pair
from conftest import run_cli
from sardine.cli.commands.adapt import add_arguments, config_from_args
from sardine.core.errors import Cancelled, InputError
from sardine.core.feedback import Feedback
from sardine.core.geometry import AcquisitionGeometry
from sardine.core.onnx_model import read_onnx_metadata
from sardine.core.translate.runtime import choose_runtime
from sardine.core.weights import load_weights, read_metadata, sha256_of
from sardine.training.adapt import adapt
from sardine.training.adapt.config import AdaptConfig
from sardine.training.adapt.loop import PatchSampler
from sardine.training.adapt.losses import adapt_loss
from sardine.training.adapt.masks import clear_from_scl
from sardine.training.adapt.optical import guess_bands, parse_bands
from sardine.training.adapt.run import acquisition_geometry, load_base
from sardine.training.adapt.site import read_site
from sardine.training.adapt.split import PARTS, block_split

FAST = ("--minutes", "5", "--steps", "60", "--threads", "1", "--patch", "64", "--batch", "4")


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> dict[str, Path]:
    return make_pair(tmp_path_factory.mktemp("pair"))


@pytest.fixture(scope="module")
def adapted(pair, tmp_path_factory) -> tuple[Path, Path, object]:
    folder = tmp_path_factory.mktemp("adapted")
    out, report = folder / "site.safetensors", folder / "report"
    proc = run_cli("adapt", "--sar", str(pair["sar"]), "--optical", str(pair["optical"]),
                   "--dem", str(pair["dem"]), "--cloud-mask", str(pair["clouds"]),
                   "--out", str(out), "--report", str(report), "--incidence", "35",
                   "--heading", "350", "--detail", "4", *FAST, check=True)
    return out, report, proc


def test_bands_guessed_from_descriptions_or_count():
    assert guess_bands(("B1", "B2", "B3", "B4", "B5"))[0] == (4, 3, 2)
    assert guess_bands(("B02", "B03", "B04"))[0] == (3, 2, 1)
    assert guess_bands(("Red", "Green", "Blue"))[0] == (1, 2, 3)
    assert guess_bands((None,) * 13)[0] == (4, 3, 2)
    assert guess_bands((None,) * 3)[0] == (1, 2, 3)
    with pytest.raises(InputError, match="red, green and blue band numbers"):
        guess_bands((None,) * 5)
    assert parse_bands("4,3,2") == (4, 3, 2)
    with pytest.raises(InputError, match="three"):
        parse_bands("4,3")


def test_scl_classes_left_out():
    scl = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    assert clear_from_scl(scl).tolist() == [False, False, True, False, True, True, True, True,
                                            False, False, False, False]


def test_luma_contrast_asks_for_brightness_texture_only():
    """A hue change with the same brightness costs the per-channel contrast term, not the
    luminance one; a flat prediction of a textured truth costs both."""
    gen = torch.Generator().manual_seed(0)
    truth = torch.rand(2, 3, 32, 32, generator=gen)
    valid = torch.ones(2, 1, 32, 32, dtype=torch.bool)
    swapped = truth[:, [2, 0, 1]]  # channels moved: other colours, same channel mean
    terms = {"contrast": 1.0, "luma_contrast": 1.0}
    _, hue = adapt_loss(swapped, truth, valid, terms)
    assert hue["luma_contrast"] < 1e-6 < hue["contrast"]
    _, flat = adapt_loss(truth.mean(dim=(2, 3), keepdim=True).expand_as(truth), truth, valid,
                         terms)
    assert flat["luma_contrast"] > 0.05 and flat["contrast"] > 0.1


def test_block_split_never_puts_a_block_in_two_parts():
    rng = np.random.default_rng(0)
    valid = rng.random((300, 260)) > 0.2
    split = block_split(valid, 0.2, seed=1)
    parts = np.stack([split.mask(p) for p in PARTS])
    assert (parts.sum(axis=0) == 1).all()  # every pixel in exactly one part
    for block_id in np.unique(split.labels):
        owners = {p for p in PARTS if split.mask(p)[split.labels == block_id].any()}
        assert len(owners) == 1
    check = (split.mask("check") & valid).sum() / valid.sum()
    assert 0.15 <= check <= 0.3
    for rows, cols in split.blocks("check"):
        assert split.mask("check")[rows, cols].all()


def test_site_reader_warps_stack_and_masks_clouds(pair, tmp_path):
    cfg = AdaptConfig(sar=pair["sar"], optical=pair["optical"], dem=pair["dem"],
                      cloud_mask=pair["clouds"], out=tmp_path / "x.safetensors")
    _, model, meta = load_base(cfg)
    site = read_site(cfg, meta.normalization, True, Feedback())
    assert site.bands == (4, 3, 2) and "B4" in site.bands_how
    assert site.scaling.offset == -1000.0 and site.scaling.scale == 3000.0
    assert not site.valid[CLOUD].any()
    assert site.valid.mean() > 0.8
    # the optical came in EPSG:4326 and lands on the SAR's UTM grid
    assert site.optical.shape[1:] == site.shape
    # cloud pixels never reach the loss: not in the sampler's mask, and their values
    # change nothing
    split = block_split(site.valid, 0.2)
    sampler = PatchSampler(site, split.mask("train"), 64, 0)
    assert not sampler.loss_mask[CLOUD].any()
    batch = sampler.batch(4)
    pred = torch.rand_like(batch["optical"], requires_grad=True)
    weights = {"l1": 1.0, "ssim": 0.2, "grad": 1.0, "contrast": 1.0, "luma_contrast": 1.0}
    loss, _ = adapt_loss(pred, batch["optical"], batch["valid"], weights)
    loss.backward()
    assert (pred.grad * (~batch["valid"]).expand_as(pred)).abs().sum() == 0


def test_adapt_writes_weights_that_beat_the_base(adapted, pair, tmp_path):
    out, report, proc = adapted
    assert "optical bands 4,3,2" in proc.stdout
    meta = read_metadata(out)
    metrics = meta.metrics
    assert metrics["heldout_mse_adapted"] < metrics["heldout_mse_base"]
    assert meta.normalization.optical_offset == -1000.0
    assert meta.normalization.optical_scale == 3000.0
    assert meta.extra["adapt"]["split"]["check_blocks"] >= 1
    geometry = meta.extra["adapt"]["geometry"]  # the per-region scores' geometry, as given
    assert (geometry["incidence_deg"], geometry["heading_deg"], geometry["source"]) == \
        (35.0, 350.0, "given")
    model, _ = load_weights(out)
    assert model.spec.name == "sardinet-late" and model.config.detail_width == 4
    data = json.loads((report / "report.json").read_text())
    assert set(data["scores"]) == {"flat colour", "base", "adapted"}
    assert (report / "figure.png").stat().st_size > 0
    assert "Held-out" in (report / "report.md").read_text()
    assert "incidence 35.0, heading 350.0 degrees" in (report / "report.md").read_text()
    # their ONNX twin is written beside them, so `--runtime auto` runs them on ONNX
    twin = out.with_suffix(".onnx")
    assert f"ONNX twin: {twin}" in proc.stdout
    assert read_onnx_metadata(twin).source_sha256 == sha256_of(out)
    assert choose_runtime(out, "auto", "cpu")[1] == twin
    # the adapted weights (with their detail head) translate a SAR scene
    result = tmp_path / "translated.tif"
    run_cli("translate", "--sar", str(pair["sar"]), "--dem", str(pair["dem"]), "--model",
            str(out), "--out", str(result), check=True)
    with rasterio.open(result) as src:
        assert src.count >= 3


def test_region_geometry_given_read_from_the_sar_or_assumed(pair, tmp_path):
    options = dict(optical=pair["optical"], out=tmp_path / "x.safetensors")
    geometry, source = acquisition_geometry(AdaptConfig(sar=pair["sar"], **options))
    assert geometry == AcquisitionGeometry() and source.startswith("assumed")
    stated = tmp_path / "stated.tif"
    with rasterio.open(pair["sar"]) as src:
        profile, data = src.profile, src.read()
    with rasterio.open(stated, "w", **profile) as dst:
        dst.write(data)
        dst.update_tags(incidence_angle="33.5", platform_heading="-10")
    geometry, source = acquisition_geometry(AdaptConfig(sar=stated, **options))
    assert (geometry.incidence_deg, geometry.heading_deg) == (33.5, 350.0)
    assert source == "read from the SAR file's metadata"
    geometry, source = acquisition_geometry(AdaptConfig(sar=stated, incidence=41.0, **options))
    assert (geometry.incidence_deg, geometry.heading_deg) == (41.0, 350.0)
    assert "the rest given" in source
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--sar", "s.tif", "--optical", "o.tif", "--out", "a.safetensors",
                              "--incidence", "36", "--heading", "170", "--look", "left"])
    cfg = config_from_args(args)
    assert (cfg.incidence, cfg.heading, cfg.look) == (36.0, 170.0, "left")
    with pytest.raises(InputError, match="Incidence angle 95"):
        AdaptConfig(sar=pair["sar"], incidence=95.0, **options)


def _refused(pair, tmp_path, match: str, **changes) -> None:
    """adapt() refuses with a message naming the problem, and leaves no file behind."""
    out = tmp_path / "bad.safetensors"
    options = dict(sar=pair["sar"], optical=pair["optical"], out=out, minutes=1.0, steps=5,
                   patch=64, batch=2, report=tmp_path / "report")
    options.update(changes)
    with pytest.raises(InputError, match=match):
        adapt(AdaptConfig(**options))
    assert list(tmp_path.iterdir()) == [], list(tmp_path.iterdir())


def test_bad_inputs_give_clear_errors_and_no_file(pair, tmp_path):
    _refused(pair, tmp_path, "out of range", dem=pair["dem"], optical_bands=(4, 3, 20))
    _refused(pair, tmp_path, "fuses a DEM", base="sardinet-late")
    _refused(pair, tmp_path, "takes 2 SAR band", dem=pair["dem"], sar_bands=(1,))
    cloudy = tmp_path.parent / f"{tmp_path.name}_all_clouds.tif"
    with rasterio.open(pair["clouds"]) as src:
        profile, data = src.profile, np.ones_like(src.read())
    with rasterio.open(cloudy, "w", **profile) as dst:
        dst.write(data)
    _refused(pair, tmp_path, "Too few clear pixels", dem=pair["dem"], cloud_mask=cloudy)
    moved = tmp_path.parent / f"{tmp_path.name}_elsewhere.tif"
    with rasterio.open(pair["optical"]) as src:
        profile, data = src.profile, src.read()
        profile["transform"] = rasterio.Affine(src.transform.a, 0, src.transform.c + 20,
                                               0, src.transform.e, src.transform.f)
    with rasterio.open(moved, "w", **profile) as dst:
        dst.write(data)
    _refused(pair, tmp_path, "does not overlap", dem=pair["dem"], optical=moved)


def test_the_default_detail_head_goes_to_sardinet_bases_only(pair, tmp_path):
    """The default recipe has a detail head; a pix2pix base is fine-tuned without one, and
    the run says so instead of refusing."""
    from sardine.core.models import build_model
    from sardine.core.weights import WeightsMetadata, save_weights

    p2p = save_weights(tmp_path / "p2p.safetensors",
                       build_model("pix2pix", {"generator": "compact", "ngf": 8}).eval(),
                       WeightsMetadata(training_data="random (tests)"))
    cfg = AdaptConfig(sar=pair["sar"], optical=pair["optical"], out=tmp_path / "o.safetensors",
                      base=str(p2p))
    assert cfg.detail > 0  # the default
    feedback = Feedback()
    _, model, _ = load_base(cfg, feedback)
    assert model.spec.family == "pix2pix" and not hasattr(model, "detail")
    assert any("no detail head" in w for w in feedback.warnings)
    _, model, _ = load_base(AdaptConfig(sar=pair["sar"], optical=pair["optical"],
                                        out=tmp_path / "o.safetensors", base="sardinet"))
    assert model.config.detail_width == cfg.detail


def test_bad_input_on_the_command_line(pair, tmp_path):
    out = tmp_path / "bad.safetensors"
    proc = run_cli("adapt", "--sar", str(pair["sar"]), "--optical", str(pair["optical"]),
                   "--out", str(out), "--base", "sardinet-late")
    assert proc.returncode == 1
    assert "sardine adapt: error:" in proc.stderr and "give a DEM" in proc.stderr
    assert not out.exists()


def test_cancel_leaves_no_file(pair, tmp_path):
    calls = []

    def cancel_soon() -> bool:  # polled once per step: stop during the fine-tuning
        calls.append(1)
        return len(calls) > 3

    out = tmp_path / "stopped.safetensors"
    with pytest.raises(Cancelled):
        adapt(AdaptConfig(sar=pair["sar"], optical=pair["optical"], dem=pair["dem"], out=out,
                          minutes=5.0, patch=64, batch=2, report=tmp_path / "report"),
              Feedback(is_cancelled=cancel_soon))
    assert list(tmp_path.iterdir()) == []
