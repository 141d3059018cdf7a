"""BigEarthNet v2 reader: the configilm wheel's real pairs with their published split, and a
pickled LMDB value refused unread (never unpickled)."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import lmdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from safetensors.numpy import save
from sardine.core.errors import InputError
from sardine.training.datasets import (
    BigEarthNetV2Dataset,
    configilm_benv2_root,
    detect_kind,
    open_dataset,
    resolve_split,
)
from sardine.training.datasets.benv2 import decode_safetensors, read_metadata

# A few facts of the wheel's metadata.parquet (configilm 0.7.1).
TEST_PATCH = "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_27_55"
TRAIN_PATCH = "S2A_MSIL2A_20170613T101031_N9999_R022_T33UUP_37_88"


def test_wheel_pairs_and_published_split() -> None:
    root = configilm_benv2_root()
    assert detect_kind(root) == "benv2"
    data = open_dataset(root)
    assert isinstance(data, BigEarthNetV2Dataset) and len(data) == 18
    split = data.published_split()
    assert {k: len(v) for k, v in split.items()} == {"train": 6, "val": 6, "test": 6}
    assert TEST_PATCH in split["test"] and TRAIN_PATCH in split["train"]
    assert not set(split["train"]) & (set(split["val"]) | set(split["test"]))
    everything = read_metadata(root, include_flagged=True)
    assert len(everything) == 24 and sum(r.flagged for r in everything) == 6
    assert {r.country for r in everything} == {"Austria", "Finland"}
    assert [r.split for r in everything].count("test") == 8
    record = data.records[TRAIN_PATCH]
    assert record.s1_name == "S1B_IW_GRDH_1SDV_20170612T165809_33UUP_37_88"
    assert "Pastures" in record.labels
    sample = data[data.items.index(next(i for i in data.items if i.name == TRAIN_PATCH))]
    assert tuple(sample["sar"].shape) == (2, 120, 120)
    assert tuple(sample["optical"].shape) == (3, 120, 120)
    assert not bool(sample["has_dem"]) and bool(sample["valid"].all())
    sar, rgb = data.read_raw(record, ("B04", "B11"))
    assert -13 < float(sar[0].mean()) < -8 and float(sar[1].mean()) < float(sar[0].mean())
    assert rgb.shape == (2, 120, 120)  # B11 (20 m) repeated onto the 10 m grid
    assert np.array_equal(rgb[1, ::2, ::2], rgb[1, 1::2, 1::2])


def test_training_uses_the_published_split(tmp_path: Path) -> None:
    data = open_dataset(configilm_benv2_root())
    assert resolve_split(data, tmp_path, seed=3) == data.published_split()


def _fake_benv2(root: Path, s1_value: bytes) -> Path:
    """A one-pair BENv2 folder whose Sentinel-1 value is ``s1_value``."""
    (root / "BigEarthNet-V2-LMDB").mkdir(parents=True)
    s2 = save({b: np.full((8, 8), 500, np.uint16) for b in ("B02", "B03", "B04")})
    env = lmdb.open(str(root / "BigEarthNet-V2-LMDB"), map_size=1 << 20)
    with env.begin(write=True) as txn:
        txn.put(b"S1_a", s1_value)
        txn.put(b"S2_a", s2)
    env.close()
    table = pa.table({"patch_id": ["S2_a"], "labels": [["Pastures"]], "split": ["test"],
                      "country": ["Austria"], "s1_name": ["S1_a"]})
    pq.write_table(table, root / "metadata.parquet")
    return root


def test_a_safetensors_pair_reads(tmp_path: Path) -> None:
    s1 = save({"VV": np.full((8, 8), -10, np.float32), "VH": np.full((8, 8), -17, np.float32)})
    data = BigEarthNetV2Dataset(_fake_benv2(tmp_path / "ok", s1))
    assert data.published_split() == {"train": [], "val": [], "test": ["S2_a"]}
    assert float(data[0]["optical"].mean()) == pytest.approx(500 / 3000)


class Trap:
    """Unpickling this would flip a flag: the test checks it never happens."""

    fired = False

    def __reduce__(self):
        return (Trap._fire, ())

    @staticmethod
    def _fire():
        Trap.fired = True
        return {}


def test_a_pickled_value_is_refused_unread(tmp_path: Path) -> None:
    blob = pickle.dumps({"VV": Trap(), "VH": np.zeros((8, 8), np.float32)})
    data = BigEarthNetV2Dataset(_fake_benv2(tmp_path / "pickled", blob))
    with pytest.raises(InputError, match="not a safetensors blob"):
        data[0]
    with pytest.raises(InputError, match="never unpickles"):
        decode_safetensors(pickle.dumps(np.zeros(3)), "x")
    assert not Trap.fired


def test_simulated_patches_and_real_pairs_mix(tmp_path: Path) -> None:
    from support import write_patch_folder

    sim = write_patch_folder(tmp_path / "sim", count=10, size=32, dem=True)
    mix = tmp_path / "mix"
    mix.mkdir()
    (mix / "mix.json").write_text(json.dumps(
        {"sources": ["../sim", str(configilm_benv2_root())]}))
    data = open_dataset(mix)
    assert detect_kind(mix) == "mix" and len(data) == 10 + 18
    assert not data.has_dem and data.patch == 32
    split = data.published_split()
    real = BigEarthNetV2Dataset(configilm_benv2_root()).published_split()
    for part in ("train", "val", "test"):
        assert sorted(n[2:] for n in split[part] if n.startswith("1:")) == real[part]
    assert len([n for n in split["train"] if n.startswith("0:")]) == 8
    assert resolve_split(data, tmp_path / "run", seed=5) == split
    for index in (0, len(data) - 1):
        sample = data[index]
        assert tuple(sample["sar"].shape) == (2, 32, 32)
        assert tuple(sample["optical"].shape) == (3, 32, 32)
        assert float(sample["optical"].max()) <= 1.0 and not bool(sample["has_dem"])
        assert not sample["dem"].any()
    assert (sim / "sar").is_dir()
    (mix / "mix.json").write_text(json.dumps({"sources": ["../sim"], "patch": 64}))
    with pytest.raises(InputError, match="lower 'patch'"):
        open_dataset(mix)


def test_repeat_weighs_only_training_items(tmp_path: Path) -> None:
    mix = tmp_path / "mix"
    mix.mkdir()
    (mix / "mix.json").write_text(json.dumps(
        {"sources": [{"path": str(configilm_benv2_root()), "repeat": 3}]}))
    data = open_dataset(mix)
    split = data.published_split()
    assert len(data) == 18 + 2 * 6
    assert {k: len(v) for k, v in split.items()} == {"train": 18, "val": 6, "test": 6}
    assert not any("~" in n for n in split["val"] + split["test"])
    copy = next(i for i, item in enumerate(data.items) if item.name.endswith("~2"))
    original = [item.name for item in data.items].index(data.items[copy].name[:-2])
    assert bool((data[copy]["optical"] == data[original]["optical"]).all())
