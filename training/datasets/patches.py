"""Patch folders ``sar/ dem/ optical/ [distortion/] [mask/]`` with matching file names.

This is what ``sardine simulate-dataset`` writes and the paired-folder layout the SARDINet
authors used. SAR patches hold VV (and VH) in dB or linear power; DEM patches metres;
optical patches RGB (8-bit, 16-bit reflectance or float in [0, 1]); an optional ``mask/``
marks unusable optical pixels (cloud, snow) with non-zero values.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch

from ...core.errors import InputError
from ...core.normalization import Normalization, looks_linear
from .base import Item, SardineDataset, check_band_count, check_same_shape
from .files import (
    list_rasters,
    match_names,
    nodata_mask,
    optical_scale_for,
    pixel_size,
    raster_header,
    read_raster,
    usable_from_mask,
)


def is_patch_folder(root: Path) -> bool:
    return (root / "sar").is_dir() and (root / "optical").is_dir()


class PatchFolderDataset(SardineDataset):
    """Paired patches matched by file name across the sub-folders."""

    kind = "patches"

    def __init__(self, root: str | Path, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0) -> None:
        root = Path(root)
        if not is_patch_folder(root):
            raise InputError(f"{root} has no sar/ and optical/ sub-folders; a patch folder "
                             "holds sar/, optical/ and optionally dem/, distortion/, mask/.")
        sar = list_rasters(root / "sar")
        if not sar:
            raise InputError(f"{root / 'sar'} holds no .tif or .png patches; put the SAR "
                             "patches there (or check --data).")
        folders = {"optical": list_rasters(root / "optical")}
        for name in ("dem", "distortion", "mask"):
            if (root / name).is_dir():
                folders[name] = list_rasters(root / name)
        for name, files in folders.items():
            match_names(sar, files, root / "sar", root / name)

        first = next(iter(sar))
        sar_bands, h, w, _ = raster_header(sar[first])
        check_band_count(sar[first], sar_bands, (1, 2), "SAR patch",
                         "give VV, or VV and VH, in that order.")
        for stem, path in sar.items():
            bands, ph, pw, _ = raster_header(path)
            if (ph, pw) != (h, w):
                raise InputError(f"{path} is {ph}x{pw} pixels but {sar[first]} is {h}x{w}; "
                                 "all patches of a folder must have the same size.")
            if bands != sar_bands:
                raise InputError(f"{path} has {bands} band(s) but {sar[first]} has "
                                 f"{sar_bands}; give every SAR patch the same bands.")
            for name, files in folders.items():
                count, oh, ow, _ = raster_header(files[stem])
                check_same_shape(files[stem], (oh, ow), path, (ph, pw))
                if name == "optical":
                    check_band_count(files[stem], count, (3, 4), "optical patch",
                                     "give an RGB image (a 4th alpha band is read as a mask).")
        _, _, _, opt_dtype = raster_header(folders["optical"][first])
        if norm is None:
            bands = ("VV", "VH")[:sar_bands]
            norm = Normalization.for_bands(bands)
        if len(norm.sar_bands) != sar_bands:
            raise InputError(f"{sar[first]} has {sar_bands} SAR band(s) but the normalisation "
                             f"expects {list(norm.sar_bands)}; match the bands.")
        norm = replace(norm, optical_scale=optical_scale_for(opt_dtype))
        super().__init__(root, norm, augment, seed)
        self.has_dem = "dem" in folders
        self.has_distortion = "distortion" in folders
        self.pixel_size_m = pixel_size(sar[first])
        data, _ = read_raster(sar[first])
        self.sar_is_db = not looks_linear(data)
        self.items = [Item(stem, stem, {"sar": path, **{k: v[stem] for k, v in folders.items()}})
                      for stem, path in sar.items()]

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        paths = item.source
        sar, sar_nodata = read_raster(paths["sar"])
        optical, opt_nodata = read_raster(paths["optical"])
        valid = nodata_mask(sar, sar_nodata) & nodata_mask(optical[:3], opt_nodata)
        if optical.shape[0] == 4:
            valid &= optical[3] > 0
        dem = None
        if "dem" in paths:
            dem, dem_nodata = read_raster(paths["dem"])
            valid &= nodata_mask(dem, dem_nodata)
            dem = dem[:1]
        if "mask" in paths:
            valid &= usable_from_mask(read_raster(paths["mask"])[0], is_scl=False)
        distortion = read_raster(paths["distortion"])[0][:1] if "distortion" in paths else None
        return self.make_sample(sar, dem, optical[:3], valid=valid, distortion=distortion,
                                sar_is_db=self.sar_is_db, source=str(paths["sar"]))

