"""The data side of an evaluation: which patches (the split), their distortion codes (from
the dataset or computed from its DEM), the patches shown in the figure, and one dataset view
per model normalisation (models may scale SAR and DEM differently; the truth never changes).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ...core.errors import InputError
from ...core.feedback import Feedback
from ..datasets import SardineDataset, open_dataset
from ..datasets.split import PARTS, indices_of, make_split, split_from_file
from .figures import pick_patches

log = logging.getLogger("sardine")
SPLITS = (*PARTS, "all")


@dataclass
class EvalData:
    reference: SardineDataset
    split: str
    split_source: str
    indices: list[int]
    codes: list[np.ndarray | None]
    distortion_source: str
    figure_indices: set[int] = field(default_factory=set)
    figure_patches: list[dict] = field(default_factory=list)
    train_indices: list[int] = field(default_factory=list)   # the split's training part
    _views: dict[str, SardineDataset] = field(default_factory=dict)

    def dataset_for(self, model) -> SardineDataset:
        """The data scaled as ``model`` was trained (its SAR/DEM normalisation), with the
        truth scaled as the dataset's own reader scales it."""
        norm = replace(model.normalization, optical_scale=self.reference.norm.optical_scale)
        key = json.dumps(norm.to_dict(), sort_keys=True)
        if key not in self._views:
            ref = self.reference
            if len(norm.sar_bands) != ref.sar_channels:
                raise InputError(f"{model.label} was trained on {list(norm.sar_bands)} but "
                                 f"{ref.root} has {ref.sar_channels} SAR band(s); evaluate it "
                                 "on data with the same bands.")
            if model.uses_dem and not ref.has_dem:
                raise InputError(f"{model.label} fuses a DEM but {ref.root} has none; evaluate "
                                 "a SAR-only model (sardinet) on this data, add dem/ "
                                 "patches, or, for flat land only, give --flat-dem METRES.")
            self._views[key] = open_dataset(ref.root, kind=ref.kind, norm=norm,
                                            flat_dem_m=ref.flat_dem_m, **_scene_args(ref))
        return self._views[key]

    def describe(self) -> dict:
        ref = self.reference
        return {"root": str(ref.root), "kind": ref.kind, "split": self.split,
                "split_source": self.split_source, "patches": len(self.indices),
                "has_dem": ref.has_dem, "flat_dem_m": ref.flat_dem_m,
                "distortion_source": self.distortion_source}


def _scene_args(dataset: SardineDataset) -> dict:
    """Scene readers cut windows; reopen them with the same window size and step."""
    if dataset.kind != "scenes":
        return {}
    return {"patch": getattr(dataset, "patch", 256), "stride": getattr(dataset, "stride", None)}


def select_split(dataset: SardineDataset, split: str, split_file: str | None,
                 weights: Sequence[Path | None]) -> tuple[list[int], str, list[int]]:
    """Indices of the evaluated patches, where the split came from, and the indices of its
    training part (empty for ``all``: the reference baseline then uses the evaluated truths).

    In order: an explicit split file, the data's ``splits.json``, the publisher's split
    (BigEarthNet v2), a training run's ``split.json`` beside the first weights file that has
    one, else the default seeded 80/10/10 split (seed 0), what ``sardine train`` makes.
    """
    if split not in SPLITS:
        raise InputError(f"Unknown split {split!r}; choose one of {', '.join(SPLITS)}.")
    if split == "all":
        return list(range(len(dataset))), "all patches", []
    if split_file is not None and not Path(split_file).is_file():
        raise InputError(f"Split file {split_file} does not exist; give a JSON file with "
                         "train/val/test lists of patch names.")
    candidates = [Path(split_file)] if split_file else []
    candidates.append(dataset.root / "splits.json")
    published = dataset.published_split()
    if not published:
        candidates += [Path(w).parent / "split.json" for w in weights if w is not None]
    for path in candidates:
        if path.is_file():
            parts, source = split_from_file(path, dataset), str(path)
            break
    else:
        if published:
            parts, source = published, "the publisher's split"
        else:
            parts, source = make_split(dataset, 0), "default 80/10/10 split (seed 0)"
    indices = indices_of(dataset, parts[split])
    if not indices:
        raise InputError(f"The '{split}' split of {dataset.root} ({source}) is empty; use "
                         "--split all or a dataset with more patches.")
    return indices, source, indices_of(dataset, parts["train"])


def _codes_of(sample: dict, dataset: SardineDataset, geometry) -> np.ndarray | None:
    if "distortion" in sample:
        return sample["distortion"][0].numpy().astype(np.uint8)
    if not dataset.has_dem or not dataset.pixel_size_m or dataset.flat_dem_m is not None:
        # a stand-in flat DEM says nothing about the terrain's distortion
        return None
    from ...core.distortion import compute_distortion

    dem_m = sample["dem"][0].numpy().astype(np.float64) * dataset.norm.dem_max_m
    size = float(dataset.pixel_size_m)
    return np.asarray(compute_distortion(dem_m, (size, size), geometry), np.uint8)


def open_eval_data(data: str | Path, models: Sequence, options,
                   feedback: Feedback) -> EvalData:
    """Open the data, choose the split, read or compute distortion codes, pick figure
    patches (keeping their arrays for the figure)."""
    reference = open_dataset(data, kind=options.dataset_kind, patch=options.patch,
                             stride=options.stride, flat_dem_m=options.flat_dem_m)
    indices, source, train_indices = select_split(reference, options.split, options.split_file,
                                   [m.path for m in models])
    codes: list[np.ndarray | None] = []
    for k, index in enumerate(indices):
        feedback.check_cancelled()
        codes.append(_codes_of(reference[index], reference, options.geometry))
        feedback.progress(4.0 * (k + 1) / len(indices))
    if reference.has_distortion:
        distortion_source = "the dataset's distortion masks"
    elif any(c is not None for c in codes):
        g = options.geometry
        distortion_source = (f"computed from the DEM (incidence {g.incidence_deg} deg, "
                             f"heading {g.heading_deg} deg, {g.look}-looking)")
    elif reference.flat_dem_m is not None:
        distortion_source = (f"unknown (a flat stand-in DEM of {reference.flat_dem_m:g} m, "
                             "no real one): only the Global region is measured")
    else:
        distortion_source = ("unknown (no distortion masks and no DEM): only the Global "
                             "region is measured")
        log.warning("%s has no distortion masks and no DEM: only global metrics are reported.",
                    reference.root)
    chosen = pick_patches(codes, options.figure_patches)
    figure_indices = {indices[i] for i in chosen}
    patches = []
    for i in chosen:
        sample = reference[indices[i]]
        patches.append({
            "name": reference.items[indices[i]].name,
            "sar": sample["sar"].numpy(),
            "dem": (sample["dem"].numpy() if reference.has_dem
                    and reference.flat_dem_m is None else None),
            "optical": sample["optical"].numpy(),
            "distortion": codes[i],
        })
    return EvalData(reference, options.split, source, indices, codes, distortion_source,
                    figure_indices, patches, train_indices)
