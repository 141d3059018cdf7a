"""BigEarthNet-S1/S2 patch pairs (120x120 at 10 m): VV and VH in dB, B04/B03/B02 reflectance.

Each Sentinel-1 patch folder ``S1X_IW_GRDH_..`` holds ``<name>_VV.tif``, ``<name>_VH.tif``
and ``<name>_labels_metadata.json`` whose ``corresponding_s2_patch`` names the Sentinel-2
folder holding ``<s2name>_B04.tif`` etc. (L2A reflectance x 10000, divided by 3000 so the
true colour is displayable). BigEarthNet has no DEM. The ``bigearthnet-common`` wheel ships
six real pairs; ``extract_bigearthnet_example`` unpacks them without importing that package.
"""
from __future__ import annotations

import importlib.util
import json
import tarfile
from pathlib import Path

import numpy as np
import torch

from ...core.errors import InputError, MissingDependencyError
from ...core.normalization import Normalization
from .base import S2_DISPLAY_SCALE, Item, SardineDataset, check_same_shape
from .files import raster_header, read_raster

RGB_BANDS = ("B04", "B03", "B02")
EXAMPLE_TARBALLS = ("BigEarthNet-S1-Example.tar.bz2", "BigEarthNet-S2-Example.tar.bz2")


def _s1_folders(root: Path) -> list[Path]:
    """Sentinel-1 patch folders at most two levels below ``root`` (or ``root`` itself)."""
    candidates = [root, *root.glob("*"), *root.glob("*/*")]
    return sorted(p for p in candidates
                  if p.is_dir() and p.name.startswith("S1") and (p / f"{p.name}_VV.tif").exists())


def is_bigearthnet_folder(root: Path) -> bool:
    return bool(_s1_folders(root))


def extract_bigearthnet_example(dest: str | Path) -> Path:
    """Unpack the six S1/S2 example pairs of the ``bigearthnet-common`` wheel into ``dest``
    and return it (the wheel is located, not imported: its dependencies are not needed)."""
    spec = importlib.util.find_spec("bigearthnet_common")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "The BigEarthNet example needs the bigearthnet-common wheel; install it with "
            "'python -m pip install --no-deps bigearthnet-common==2.8.0'.")
    package = Path(list(spec.submodule_search_locations)[0])
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE_TARBALLS:
        tarball = package / name
        if not tarball.exists():
            raise MissingDependencyError(f"{tarball} is missing from bigearthnet-common; "
                                         "reinstall bigearthnet-common==2.8.0.")
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if _safe_member(m)]
            archive.extractall(dest, members=members)
    return dest


def _safe_member(member: tarfile.TarInfo) -> bool:
    """Only plain files and folders with relative paths inside the archive (no links,
    no absolute or '..' paths), whatever Python's tarfile version offers as filters."""
    parts = Path(member.name).parts
    return (member.isfile() or member.isdir()) and not Path(member.name).is_absolute() \
        and ".." not in parts


class BigEarthNetDataset(SardineDataset):
    """Sentinel-1 patches paired with their Sentinel-2 patch through the metadata JSON."""

    kind = "bigearthnet"
    has_dem = False
    pixel_size_m = 10.0

    def __init__(self, root: str | Path, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0) -> None:
        root = Path(root)
        s1_dirs = _s1_folders(root)
        if not s1_dirs:
            raise InputError(f"{root} holds no BigEarthNet-S1 patch folders (S1*_IW_*/ with "
                             "*_VV.tif); point --data at the folder holding the S1 and S2 "
                             "patch folders.")
        s2_dirs = {p.parent.name: p.parent for p in [*root.glob("*/*_B04.tif"),
                                                     *root.glob("*/*/*_B04.tif")]}
        norm = norm or Normalization(sar_bands=("VV", "VH"),
                                     sar_db_ranges=Normalization().sar_db_ranges,
                                     optical_scale=S2_DISPLAY_SCALE)
        super().__init__(root, norm, augment, seed)
        pol = [b.upper() for b in self.norm.sar_bands]
        for s1 in s1_dirs:
            meta_path = s1 / f"{s1.name}_labels_metadata.json"
            try:
                meta = json.loads(meta_path.read_text())
                s2_name = meta["corresponding_s2_patch"]
            except (OSError, ValueError, KeyError) as exc:
                raise InputError(f"{meta_path} cannot be read or has no "
                                 f"'corresponding_s2_patch' ({exc}); restore the file from "
                                 "BigEarthNet.") from exc
            if s2_name not in s2_dirs:
                raise InputError(f"{meta_path} pairs {s1.name} with the Sentinel-2 patch "
                                 f"{s2_name}, which is not under {root}; add the S2 folder "
                                 "or remove the S1 folder.")
            sar = [s1 / f"{s1.name}_{p}.tif" for p in pol]
            rgb = [s2_dirs[s2_name] / f"{s2_name}_{b}.tif" for b in RGB_BANDS]
            for path in [*sar, *rgb]:
                if not path.exists():
                    raise InputError(f"{path} is missing; BigEarthNet patches need "
                                     f"{', '.join(pol)} and {', '.join(RGB_BANDS)}.")
                _, h, w, _ = raster_header(path)
                check_same_shape(path, (h, w), sar[0], raster_header(sar[0])[1:3])
            self.items.append(Item(s1.name, s1.name, (sar, rgb)))

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        sar_paths, rgb_paths = item.source
        sar = np.concatenate([read_raster(p)[0][:1] for p in sar_paths]).astype(np.float32)
        rgb = np.concatenate([read_raster(p)[0][:1] for p in rgb_paths]).astype(np.float32)
        valid = (rgb > 0).all(axis=0)  # 0 is Sentinel-2's no-data value
        return self.make_sample(sar, None, rgb, valid=valid, sar_is_db=True,
                                source=str(sar_paths[0].parent))
