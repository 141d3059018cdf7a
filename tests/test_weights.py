"""Weights files: safetensors + JSON metadata round trips, and every refusal (pickle, unknown
model, missing/extra/mis-shaped tensors, truncation, corruption, missing metadata)."""
from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from sardine.core.errors import InputError, WeightsError
from sardine.core.models import build_model
from sardine.core.normalization import Normalization
from sardine.core.weights import (
    METADATA_KEY,
    WeightsMetadata,
    load_weights,
    read_metadata,
    save_weights,
    sha256_of,
)

TINY = {"conditioning_widths": [8, 16], "encoder_widths": [16, 32], "decoder_widths": [16, 8]}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def never_torch_load(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load must never be called on a weights file")
    monkeypatch.setattr(torch, "load", refuse)


def trained_model():
    """A tiny late-fusion SARDINet whose BatchNorm statistics have moved off their defaults."""
    torch.manual_seed(0)
    model = build_model("sardinet-late", TINY).train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.rand(2, 2, 16, 16), torch.rand(2, 1, 16, 16))
    return model.eval()


def metadata() -> WeightsMetadata:
    return WeightsMetadata(normalization=Normalization.for_bands(("VV", "VH"), dem_max_m=4800),
                           pixel_size_m=20.0, training_data="simulated Alps, 2 scenes",
                           metrics={"mae": 0.071, "ssim": 0.42}, extra={"epochs": 3})


def sample():
    generator = torch.Generator().manual_seed(1)
    return torch.rand(1, 2, 21, 35, generator=generator), torch.rand(1, 1, 21, 35,
                                                                    generator=generator)


@pytest.fixture
def saved(tmp_path):
    model = trained_model()
    return model, save_weights(tmp_path / "late.safetensors", model, metadata())


def test_round_trip_gives_identical_outputs(saved, tmp_path):
    model, path = saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.safetensors"]  # no temp left
    loaded, meta = load_weights(path)
    assert not loaded.training and loaded.spec == model.spec
    assert torch.equal(loaded.predict(*sample()), model.predict(*sample()))
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert meta.model == meta.model_name == "sardinet-late"
    assert meta.config == model.config.to_dict()
    assert meta.normalization == metadata().normalization
    assert (meta.pixel_size_m, meta.training_data) == (20.0, "simulated Alps, 2 scenes")
    assert meta.metrics == {"mae": 0.071, "ssim": 0.42} and meta.extra == {"epochs": 3}
    assert meta.sardine_version and meta.created[:2] == "20"


def test_float16_file_is_half_the_size_and_loads_as_float32(saved, tmp_path):
    model, path32 = saved
    path16 = save_weights(tmp_path / "half.safetensors", model, metadata(), dtype=torch.float16)
    assert path16.stat().st_size < 0.6 * path32.stat().st_size
    loaded, _ = load_weights(path16)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    torch.testing.assert_close(loaded.predict(*sample()), model.predict(*sample()),
                               atol=2e-3, rtol=0)


def test_read_metadata_and_sha256(saved):
    _, path = saved
    assert read_metadata(path).to_dict() == load_weights(path)[1].to_dict()
    assert sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_save_refusals(tmp_path):
    model = trained_model()
    with pytest.raises(InputError, match=r"end in \.safetensors.*model\.safetensors"):
        save_weights(tmp_path / "model.pt", model, metadata())
    with pytest.raises(WeightsError, match="1 SAR band.*takes 2"):
        save_weights(tmp_path / "m.safetensors", model,
                     WeightsMetadata(normalization=Normalization.for_bands(("VV",))))
    with pytest.raises(WeightsError, match="names model 'sardinet'"):
        save_weights(tmp_path / "m.safetensors", model, WeightsMetadata(model="sardinet"))
    with pytest.raises(InputError, match="does not exist; create it"):
        save_weights(tmp_path / "missing" / "m.safetensors", model, metadata())
    assert list(tmp_path.iterdir()) == []


class RunsCode:
    """Unpickling this creates a file: proof that a pickle was never opened."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "model.ckpt", "model.safetensors",
                                  "model.bin"])
def test_pickle_files_are_refused_unopened(tmp_path, name):
    marker = tmp_path / "code-ran"
    path = tmp_path / name
    path.write_bytes(pickle.dumps({"state_dict": RunsCode(marker)}, protocol=4))
    with pytest.raises(WeightsError, match="pickle.*can run arbitrary code.*save_weights"):
        load_weights(path)
    with pytest.raises(WeightsError, match="pickle"):
        read_metadata(path)
    assert not marker.exists()


def test_torch_save_zip_is_refused(tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    with pytest.raises(WeightsError, match="zip archive.*arbitrary code"):
        load_weights(path)


def write_raw(path: Path, tensors: dict, meta: dict | None) -> Path:
    """A safetensors file as someone other than save_weights might write it."""
    block = None if meta is None else {METADATA_KEY: json.dumps(meta)}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(path), metadata=block)
    return path


def good_parts():
    model = trained_model()
    meta = metadata().to_dict() | {"model": "sardinet-late", "config": model.config.to_dict()}
    return dict(model.state_dict()), meta


def test_file_without_checksum_but_valid_loads(tmp_path):
    tensors, meta = good_parts()
    model, _ = load_weights(write_raw(tmp_path / "ok.safetensors", tensors, meta))
    assert model.spec.name == "sardinet-late"


@pytest.mark.parametrize("change, message", [
    ("unknown_model", "model 'sardinet-xl', which this Sardine.*does not know.*update"),
    ("bad_config", "configuration stored in .* is invalid.*upsampling"),
    ("missing", "missing tensors: decoder.layers.0.weight.*re-save it"),
    ("extra", "unexpected tensors: head.weight"),
    ("shape", r"shape mismatches: decoder.layers.0.bias \[5\] instead of \[48\]"),
    ("no_metadata", "no Sardine metadata block.*save_weights"),
    ("newer", "newer than this Sardine.*update Sardine"),
])
def test_inconsistent_files_are_refused(tmp_path, change, message):
    tensors, meta = good_parts()
    if change == "unknown_model":
        meta["model"] = "sardinet-xl"
    elif change == "bad_config":
        meta["config"] = meta["config"] | {"upsampling": "cubic"}
    elif change == "missing":
        del tensors["decoder.layers.0.weight"]
    elif change == "extra":
        tensors["head.weight"] = torch.zeros(3)
    elif change == "shape":
        tensors["decoder.layers.0.bias"] = torch.zeros(5)
    elif change == "newer":
        meta["format_version"] = 99
    path = write_raw(tmp_path / "w.safetensors", tensors,
                     None if change == "no_metadata" else meta)
    with pytest.raises(WeightsError, match=message):
        load_weights(path)


def test_truncated_files_are_refused(saved):
    _, path = saved
    data = path.read_bytes()
    path.write_bytes(data[:-1000])
    with pytest.raises(WeightsError, match="truncated.*copy it again"):
        load_weights(path)
    path.write_bytes(data[:200])  # inside the header
    with pytest.raises(WeightsError, match="truncated"):
        read_metadata(path)
    path.write_bytes(data[:5])
    with pytest.raises(WeightsError, match="not a safetensors weights file"):
        load_weights(path)


def test_corrupted_files_are_refused(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    flipped = bytearray(data)
    flipped[-500] ^= 0xFF  # a tensor byte: caught by the checksum
    path.write_bytes(bytes(flipped))
    with pytest.raises(WeightsError, match="corrupted.*checksum"):
        load_weights(path)
    broken = bytearray(data)
    broken[9] = ord("x")  # the JSON header
    path.write_bytes(bytes(broken))
    with pytest.raises(WeightsError, match="corrupted.*not valid JSON"):
        load_weights(path)
    path.write_bytes(bytes(data) + b"junk")
    with pytest.raises(WeightsError, match="corrupted.*unexpected bytes"):
        load_weights(path)
    path.write_text("hello, I am not a weights file")
    with pytest.raises(WeightsError, match="not a safetensors weights file"):
        load_weights(path)
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(path.with_name("nothing.safetensors"))
