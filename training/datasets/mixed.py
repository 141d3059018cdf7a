"""Several datasets trained as one: simulated patches with real pairs in the mix.

A folder holding ``mix.json`` is a mixed dataset::

    {"sources": ["../sim_patches", "/path/to/BENv2"], "patch": 120}

``sources`` are dataset folders (paths relative to the mix folder, or absolute; a source may
also be ``{"path": ..., "kind": ..., "repeat": N}`` to force its reader, or to show its
*training* items N times per epoch, so a handful of real pairs weighs against hundreds of
simulated patches; ``"flat_dem_m": H`` gives a source without a DEM a constant DEM of H
metres, so flat real pairs can train a DEM-fusing model beside simulated scenes with their
DEM). Each source keeps its own reader,
optical scaling and split: a source's ``splits.json`` or published split (BigEarthNet v2: its
validation and test pairs stay out of training), else the seeded 80/10/10 split (seed 0).
Items are named ``<source index>:<name>`` (repeats ``...~k``). Every sample is centre-cropped
to ``patch`` (default: the smallest patch of the sources) so batches stack. The mix has a
DEM (or distortion masks) only if every source has: with real pairs that have none, train a
SAR-only model.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch

from ...core.errors import InputError
from ...core.normalization import Normalization
from .base import Item, SardineDataset
from .split import make_split, split_from_file

Opener = Callable[..., SardineDataset]

MIX_FILE = "mix.json"


def is_mix_folder(root: Path) -> bool:
    return (root / MIX_FILE).is_file()


def _read_mix(root: Path) -> tuple[list[tuple[Path, str | None, int, float | None]],
                                   int | None]:
    path = root / MIX_FILE
    try:
        data = json.loads(path.read_text())
        entries = data["sources"]
        patch = data.get("patch")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a mix file ({exc}); write "
                         '{"sources": ["FOLDER", ...]} (see docs/TRAINING.md).') from exc
    if not isinstance(entries, list) or len(entries) < 1:
        raise InputError(f"{path}: 'sources' must list at least one dataset folder.")
    sources = []
    for entry in entries:
        entry = {"path": entry} if isinstance(entry, str) else dict(entry)
        folder = Path(str(entry.get("path"))).expanduser()
        try:
            repeat = int(entry.get("repeat", 1))
            flat = entry.get("flat_dem_m")
            flat = None if flat is None else float(flat)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{path}: 'repeat' and 'flat_dem_m' of {folder} must be numbers "
                             f"({exc}).") from exc
        if repeat < 1:
            raise InputError(f"{path}: 'repeat' of {folder} must be at least 1.")
        sources.append((folder if folder.is_absolute() else root / folder, entry.get("kind"),
                        repeat, flat))
    return sources, (int(patch) if patch is not None else None)


def _centre_crop(sample: dict[str, torch.Tensor], size: int) -> dict[str, torch.Tensor]:
    out = {}
    for key, value in sample.items():
        if value.dim() == 3:
            h, w = value.shape[-2:]
            top, left = (h - size) // 2, (w - size) // 2
            value = value[:, top:top + size, left:left + size].contiguous()
        out[key] = value
    return out


class MixedDataset(SardineDataset):
    """The items of several datasets, one split per source, cropped to one size."""

    kind = "mix"

    def __init__(self, root: str | Path, opener: Opener, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0) -> None:
        """``opener`` opens each source (the package's ``open_dataset``, handed in by it so
        that this module does not import its own package)."""
        root = Path(root)
        entries, patch = _read_mix(root)
        self.sources: list[SardineDataset] = []
        self.repeats: list[int] = []
        for folder, kind, repeat, flat in entries:
            if is_mix_folder(folder):
                raise InputError(f"{folder} is itself a mix; list its sources instead.")
            self.sources.append(opener(folder, kind=kind, norm=norm, flat_dem_m=flat))
            self.repeats.append(repeat)
        first = self.sources[0]
        for source in self.sources[1:]:
            if (tuple(source.norm.sar_bands), source.norm.sar_db_ranges) != (
                    tuple(first.norm.sar_bands), first.norm.sar_db_ranges):
                raise InputError(f"{source.root} has SAR bands {list(source.norm.sar_bands)} "
                                 f"({source.norm.sar_db_ranges} dB) but {first.root} has "
                                 f"{list(first.norm.sar_bands)} ({first.norm.sar_db_ranges}); "
                                 "mix only datasets with the same bands and dB ranges.")
        super().__init__(root, first.norm, augment, seed)
        self.has_dem = all(s.has_dem for s in self.sources)
        self.has_distortion = all(s.has_distortion for s in self.sources)
        self.pixel_size_m = first.pixel_size_m
        smallest = min(min(s[0]["sar"].shape[-2:]) for s in self.sources if len(s))
        self.patch = patch or int(smallest)
        if self.patch > smallest:
            raise InputError(f"{root / MIX_FILE} asks for {self.patch} px patches but a "
                             f"source has {smallest} px ones; lower 'patch'.")
        self.items = [Item(f"{i}:{item.name}", f"{i}:{item.group}", (i, item))
                      for i, source in enumerate(self.sources) for item in source.items]
        self._split = self._source_splits()
        for i, source in enumerate(self.sources):  # extra copies of training items only
            train = set(self._split["train"])
            for item in source.items:
                if f"{i}:{item.name}" in train:
                    for k in range(1, self.repeats[i]):
                        name = f"{i}:{item.name}~{k}"
                        self.items.append(Item(name, f"{i}:{item.group}", (i, item)))
                        self._split["train"].append(name)
        self._split = {part: sorted(names) for part, names in self._split.items()}

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        index, inner = item.source
        sample = self.sources[index].load(inner)
        if not self.has_dem:
            sample["dem"] = torch.zeros_like(sample["dem"])
            sample["has_dem"] = torch.tensor(False)
        if not self.has_distortion:
            sample.pop("distortion", None)
        return _centre_crop(sample, self.patch)

    def published_split(self) -> dict[str, list[str]]:
        """Each source's own split, repeated training items included."""
        return {part: list(names) for part, names in self._split.items()}

    def _source_splits(self) -> dict[str, list[str]]:
        """Each source's own split (its splits.json, published split, or the seed-0 80/10/10
        one), names prefixed with the source's index."""
        out: dict[str, list[str]] = {"train": [], "val": [], "test": []}
        for i, source in enumerate(self.sources):
            file = source.root / "splits.json"
            if file.is_file():
                parts = split_from_file(file, source)
            else:
                parts = source.published_split() or make_split(source, 0)
            for part in out:
                out[part] += [f"{i}:{name}" for name in parts.get(part, [])]
        return out

    def describe(self) -> dict:
        info = super().describe()
        info["patch"] = self.patch
        info["sources"] = [s.describe() for s in self.sources]
        return info
