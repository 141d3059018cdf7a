"""Deterministic 80/10/10 train/validation/test split, saved in the run folder.

The split is by *group* (overlapping windows of a scene share a group), decided by a
seeded permutation of the sorted group names, so the same data and seed always give the
same split on any machine. A ``splits.json`` written by ``sardine simulate-dataset`` next to
the data is honoured as is, and so is a publisher's split (``published_split``). A resumed
run reads the split back from the run folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ...core.atomic import atomic_output
from ...core.errors import InputError
from .base import SardineDataset

PARTS = ("train", "val", "test")
FRACTIONS = (0.8, 0.1, 0.1)


def make_split(dataset: SardineDataset, seed: int = 0) -> dict[str, list[str]]:
    """Item names per part; every part gets at least one item when there are 3 or more."""
    groups: dict[str, list[str]] = {}
    for item in dataset.items:
        groups.setdefault(item.group, []).append(item.name)
    names = sorted(groups)
    if len(names) < 3:
        raise InputError(f"{dataset.root} has {len(names)} independent patch(es); a train/"
                         "validation/test split needs at least 3 (add data or lower --patch).")
    order = np.random.default_rng(seed).permutation(len(names))
    n_val = max(1, round(len(names) * FRACTIONS[1]))
    n_test = max(1, round(len(names) * FRACTIONS[2]))
    n_train = len(names) - n_val - n_test
    bounds = {"train": order[:n_train], "val": order[n_train:n_train + n_val],
              "test": order[n_train + n_val:]}
    return {part: sorted(n for g in idx for n in groups[names[g]])
            for part, idx in bounds.items()}


def split_from_file(path: Path, dataset: SardineDataset) -> dict[str, list[str]]:
    """Read a split file and check it names items of ``dataset``."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not a readable JSON split ({exc}); delete it to let "
                         "Sardine make a new 80/10/10 split.") from exc
    known = {item.name for item in dataset.items}
    split = {}
    for part in PARTS:
        names = [Path(str(n)).stem for n in data.get(part, [])]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InputError(f"{path} lists {unknown[0]!r} in '{part}' but {dataset.root} "
                             "has no such patch; delete the split file or fix the name.")
        split[part] = sorted(names)
    if not split["train"] or not split["val"]:
        raise InputError(f"{path} has an empty 'train' or 'val' list; both are needed.")
    return split


def resolve_split(dataset: SardineDataset, run_dir: Path, seed: int) -> dict[str, list[str]]:
    """The run folder's split if present (resume), else the data's splits.json, else the
    publisher's split (BigEarthNet v2), else new."""
    for candidate in (run_dir / "split.json", dataset.root / "splits.json"):
        if candidate.exists():
            return split_from_file(candidate, dataset)
    return dataset.published_split() or make_split(dataset, seed)


def save_split(split: dict[str, list[str]], run_dir: Path) -> Path:
    out = run_dir / "split.json"
    with atomic_output(out) as tmp:
        tmp.write_text(json.dumps(split, indent=1))
    return out


def indices_of(dataset: SardineDataset, names: list[str]) -> list[int]:
    """Positions in ``dataset.items`` of the given names, in dataset order."""
    wanted = set(names)
    return [i for i, item in enumerate(dataset.items) if item.name in wanted]
