"""Bundled weights: listed with a one-line description, resolved by name or path, and a
clear message (with what is available and how to get weights) for anything else."""
from __future__ import annotations

import pickle

import pytest
import torch
from sardine.core import bundled
from sardine.core.bundled import list_bundled, resolve_model
from sardine.core.errors import InputError, WeightsError
from sardine.core.models import build_model
from sardine.core.normalization import Normalization
from sardine.core.weights import WeightsMetadata, save_weights

TINY = {"conditioning_widths": [8, 16], "encoder_widths": [16, 32], "decoder_widths": [16, 8]}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A bundled-weights folder with one intermediate-fusion model and one broken file."""
    weights = tmp_path / "weights"
    weights.mkdir()
    torch.manual_seed(0)
    model = build_model("sardinet-intermediate", TINY | {"balanced_kernels": [[2, 4], [2, 8]]})
    save_weights(weights / "alps-dem.safetensors", model,
                 WeightsMetadata(normalization=Normalization.for_bands(("VV", "VH")),
                                 pixel_size_m=10.0, training_data="simulated Alps"))
    (weights / "broken.safetensors").write_bytes(b"not weights")
    monkeypatch.setattr(bundled, "BUNDLED_DIR", weights)
    return weights


def test_list_bundled_describes_each_readable_file(folder, caplog):
    (item,) = list_bundled()
    assert item.name == "alps-dem" and item.path == folder / "alps-dem.safetensors"
    assert item.metadata.model == "sardinet-intermediate"
    assert item.description == ("sardinet-intermediate: VV,VH+DEM -> RGB, 10 m pixels, "
                                "trained on simulated Alps")
    assert "broken.safetensors" in caplog.text


def test_resolve_by_name_and_by_path(folder, tmp_path):
    assert resolve_model("alps-dem") == folder / "alps-dem.safetensors"
    path = folder / "alps-dem.safetensors"
    assert resolve_model(str(path)) == path.resolve()


def test_resolve_refusals_say_what_exists_and_how_to_get_weights(folder, tmp_path):
    with pytest.raises(InputError, match="No weights named 'alpine'.*alps-dem.*sardine train"):
        resolve_model("alpine")
    with pytest.raises(InputError, match="'sardinet' is an architecture.*sardine train"):
        resolve_model("sardinet")
    with pytest.raises(InputError, match="does not exist; check the path"):
        resolve_model(str(tmp_path / "elsewhere.safetensors"))
    unsafe = tmp_path / "model.pth"
    unsafe.write_bytes(pickle.dumps({"weights": [1, 2]}))
    with pytest.raises(WeightsError, match="arbitrary code"):
        resolve_model(str(unsafe))


def test_empty_folder_says_none_are_bundled(tmp_path):
    assert list_bundled(tmp_path) == []
    with pytest.raises(InputError, match="no weights are bundled.*sardine train"):
        resolve_model("sardinet-late", folder=tmp_path)


def test_the_fitting_model_follows_the_dem(folder):
    """With a DEM the first fusion model, without it the first SAR-only one, else the first
    of any kind; the real bundled pair: sardinet-late and sardinet."""
    assert bundled.fitting_model(True) == "alps-dem"
    assert bundled.fitting_model(False) == "alps-dem"  # no SAR-only model here: the first
    torch.manual_seed(0)
    save_weights(folder / "flat.safetensors", build_model("sardinet", TINY | {
        "balanced_kernels": [[2, 4], [2, 8]]}), WeightsMetadata(
        normalization=Normalization.for_bands(("VV", "VH")), pixel_size_m=10.0))
    assert (bundled.fitting_model(True), bundled.fitting_model(False)) == ("alps-dem", "flat")
    shipped = list_bundled(bundled.Path(bundled.__file__).parent.parent / "resources" /
                           "weights")
    assert (bundled.fitting_model(True, shipped), bundled.fitting_model(False, shipped)) == \
        ("sardinet-late", "sardinet")
    with pytest.raises(InputError, match="No bundled model was found"):
        bundled.fitting_model(True, [])
