"""SEN1-2 style PNG pairs: ``s1/`` grayscale VV, ``s2/`` RGB, as in the seed blog post.

The SEN1-2 authors clipped Sentinel-1 VV to [-25, 0] dB and scaled it linearly to 8 bits,
so a pixel value v is -25 + 25 v / 255 dB. The normalisation recorded with the weights uses
exactly that range, so a model trained here translates dB GeoTIFFs the same way. SEN1-2 has
no DEM: ``dem`` is zeros and ``has_dem`` False (train a SAR-only model on it).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ...core.errors import InputError
from ...core.normalization import Normalization
from .base import Item, SardineDataset, check_band_count, check_same_shape
from .files import list_rasters, match_names, raster_header, read_raster

SEN12_DB_RANGE = (-25.0, 0.0)


def is_sen12_folder(root: Path) -> bool:
    return (root / "s1").is_dir() and (root / "s2").is_dir()


def _partner_name(stem: str) -> str:
    """SEN1-2 names pairs ``..._s1_7_p12`` / ``..._s2_7_p12``; plain pairs share a name."""
    return stem.replace("_s1_", "_s2_").replace("_s1", "_s2") if "_s1" in stem else stem


class Sen12PngDataset(SardineDataset):
    """VV-only SAR PNGs paired with RGB PNGs by name."""

    kind = "sen12"
    has_dem = False

    def __init__(self, root: str | Path, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0) -> None:
        root = Path(root)
        if not is_sen12_folder(root):
            raise InputError(f"{root} has no s1/ and s2/ sub-folders; a SEN1-2 folder holds "
                             "s1/ (grayscale VV PNGs) and s2/ (RGB PNGs) with matching names.")
        s1 = list_rasters(root / "s1")
        if not s1:
            raise InputError(f"{root / 's1'} holds no PNG patches; put the VV images there.")
        s2_files = list_rasters(root / "s2")
        renamed = {_partner_name(stem): path for stem, path in s1.items()}
        match_names(renamed, s2_files, root / "s1", root / "s2")
        norm = norm or Normalization(sar_bands=("VV",), sar_db_ranges=(SEN12_DB_RANGE,),
                                     dem_max_m=4000.0, optical_scale=255.0)
        if len(norm.sar_bands) != 1:
            raise InputError(f"{root}: SEN1-2 pairs hold VV only, but the normalisation "
                             f"expects {list(norm.sar_bands)}; train with one SAR band.")
        super().__init__(root, norm, augment, seed)
        first = None
        for stem, path in renamed.items():
            bands, h, w, _ = raster_header(path)
            check_band_count(path, bands, (1, 3, 4), "SAR PNG", "give a grayscale VV image.")
            obands, oh, ow, _ = raster_header(s2_files[stem])
            check_band_count(s2_files[stem], obands, (3, 4), "optical PNG",
                             "give an RGB image.")
            check_same_shape(s2_files[stem], (oh, ow), path, (h, w))
            if first is None:
                first = (path, (h, w))
            else:
                check_same_shape(path, (h, w), *first)
        self.items = [Item(stem, stem, (path, s2_files[stem]))
                      for stem, path in renamed.items()]

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        s1_path, s2_path = item.source
        vv, _ = read_raster(s1_path)
        lo, hi = SEN12_DB_RANGE
        vv_db = lo + (hi - lo) * vv[:1].astype(np.float32) / 255.0
        rgb, _ = read_raster(s2_path)
        valid = rgb[3] > 0 if rgb.shape[0] == 4 else None
        return self.make_sample(vv_db, None, rgb[:3], valid=valid, sar_is_db=True,
                                source=str(s1_path))
