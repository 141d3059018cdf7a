"""Training datasets: one reader per source layout, one factory that recognises them.

``open_dataset(path)`` looks at the folder and returns the matching reader:

- ``sar/`` + ``optical/`` sub-folders -> ``PatchFolderDataset`` (``sardine simulate-dataset``);
- ``s1/`` + ``s2/`` -> ``Sen12PngDataset`` (SEN1-2 PNG pairs, VV only, no DEM);
- ``S1*_IW_*/`` patch folders -> ``BigEarthNetDataset`` (VV, VH, B04/B03/B02, no DEM);
- ``metadata.parquet`` + ``BigEarthNet-V2-LMDB/`` -> ``BigEarthNetV2Dataset`` (safetensors
  values, published split; the ``configilm`` wheel's 24 real pairs: ``configilm_benv2_root``);
- ``sar.tif`` + ``optical.tif`` (here or in sub-folders) -> ``SceneTripletDataset``;
- ``mix.json`` listing dataset folders -> ``MixedDataset`` (e.g. simulated patches with real
  pairs in the mix, each source keeping its split).

Every reader yields the dict described in ``base.py``.

Imports core only.
"""
from __future__ import annotations

from pathlib import Path

from ...core.errors import InputError
from ...core.normalization import Normalization
from .base import SardineDataset, augment_sample
from .benv2 import BigEarthNetV2Dataset, configilm_benv2_root, is_benv2_folder
from .bigearthnet import BigEarthNetDataset, extract_bigearthnet_example, is_bigearthnet_folder
from .mixed import MixedDataset, is_mix_folder
from .patches import PatchFolderDataset, is_patch_folder
from .scenes import SceneTripletDataset, is_scene_folder
from .sen12 import Sen12PngDataset, is_sen12_folder
from .split import make_split, resolve_split, save_split

__all__ = [
    "BigEarthNetDataset", "BigEarthNetV2Dataset", "MixedDataset", "PatchFolderDataset",
    "SardineDataset",
    "SceneTripletDataset", "Sen12PngDataset", "augment_sample", "configilm_benv2_root",
    "detect_kind", "extract_bigearthnet_example", "make_split", "open_dataset",
    "resolve_split", "save_split",
]

READERS = {
    "patches": PatchFolderDataset,
    "sen12": Sen12PngDataset,
    "bigearthnet": BigEarthNetDataset,
    "benv2": BigEarthNetV2Dataset,
    "scenes": SceneTripletDataset,
    "mix": MixedDataset,
}


def detect_kind(path: str | Path) -> str:
    """Name of the reader for the folder ``path`` (see the module docstring)."""
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root} does not exist; give --data the folder holding your "
                         "training data.")
    if not root.is_dir():
        raise InputError(f"{root} is a file; give --data the folder holding the data.")
    if not any(p for p in root.iterdir() if not p.name.startswith(".")):
        raise InputError(f"{root} is empty; put patch folders (sar/ dem/ optical/), SEN1-2 "
                         "pairs (s1/ s2/), BigEarthNet patches or scenes (sar.tif, dem.tif, "
                         "optical.tif) in it, or run 'sardine simulate-dataset'.")
    for kind, test in (("mix", is_mix_folder), ("patches", is_patch_folder),
                       ("sen12", is_sen12_folder),
                       ("scenes", is_scene_folder), ("bigearthnet", is_bigearthnet_folder),
                       ("benv2", is_benv2_folder)):
        if test(root):
            return kind
    raise InputError(f"{root} is not a layout Sardine recognises: expected sar/ + optical/ "
                     "patch folders, s1/ + s2/ PNG pairs, BigEarthNet S1*/S2* patch folders, a "
                     "BigEarthNet v2 LMDB with metadata.parquet, or sar.tif + optical.tif "
                     "scenes; see docs/TRAINING.md.")


def open_dataset(path: str | Path, kind: str | None = None, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0, patch: int = 256,
                 stride: int | None = None, flat_dem_m: float | None = None) -> SardineDataset:
    """Open the training data at ``path`` with the reader for its layout (or ``kind``).

    ``patch``/``stride`` only apply to scene triplets; patch folders keep their size.
    ``flat_dem_m``: data without a DEM yields a constant DEM of that height (metres), for
    DEM-fusing models on flat land (``SardineDataset.use_flat_dem``); in a mix, set it per
    source in ``mix.json`` instead.
    """
    kind = kind or detect_kind(path)
    if kind not in READERS:
        raise InputError(f"Unknown dataset kind {kind!r}; choose one of {sorted(READERS)}.")
    if kind == "mix":
        if flat_dem_m is not None:
            raise InputError(f"{path} is a mix: give each source without a DEM its "
                             '"flat_dem_m" in mix.json instead of one flat DEM for all.')
        return MixedDataset(path, open_dataset, norm=norm, augment=augment, seed=seed)
    if kind == "scenes":
        dataset: SardineDataset = SceneTripletDataset(path, norm=norm, augment=augment,
                                                      seed=seed, patch=patch, stride=stride)
    else:
        dataset = READERS[kind](path, norm=norm, augment=augment, seed=seed)
    if flat_dem_m is not None:
        dataset.use_flat_dem(flat_dem_m)
    return dataset
