"""Scene triplets: large SAR, DEM and optical GeoTIFFs cut into patches with a stride.

A scene folder holds ``sar.tif`` (VV[, VH] in dB or linear), ``optical.tif`` (RGB), and
optionally ``dem.tif`` (metres), ``distortion.tif``, and a cloud/snow mask: ``scl.tif``
(Sentinel-2 scene classification, read by class) or ``mask.tif`` (non-zero = unusable).
``--data`` may be one scene folder or a folder of scene folders. The SAR grid is the
reference: the other rasters may be in any CRS and resolution; they are warped onto it
window by window (bilinear for DEM and optical, nearest for masks), so nothing is loaded
whole. Optical pixels outside the optical footprint, nodata, cloud or snow are invalid.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ...core.errors import InputError
from ...core.normalization import Normalization, looks_linear
from .base import Item, SardineDataset, check_band_count
from .files import optical_scale_for, usable_from_mask

OPTIONAL = ("dem", "distortion", "scl", "mask")
GROUP_PATCHES = 4  # windows in one 4x4-patch block share a split (limits overlap leakage)


def _find(folder: Path, name: str) -> Path | None:
    for suffix in (".tif", ".tiff"):
        if (folder / f"{name}{suffix}").exists():
            return folder / f"{name}{suffix}"
    return None


def scene_folders(root: Path) -> list[Path]:
    """``root`` itself when it is a scene, else its sub-folders that are scenes."""
    if _find(root, "sar") and _find(root, "optical"):
        return [root]
    if not root.is_dir():
        return []
    return [p for p in sorted(root.iterdir())
            if p.is_dir() and _find(p, "sar") and _find(p, "optical")]


def is_scene_folder(root: Path) -> bool:
    return bool(scene_folders(root))


class SceneTripletDataset(SardineDataset):
    """Windows of ``patch`` x ``patch`` pixels every ``stride`` pixels over each scene."""

    kind = "scenes"

    def __init__(self, root: str | Path, norm: Normalization | None = None,
                 augment: bool = False, seed: int = 0, patch: int = 256,
                 stride: int | None = None, min_valid: float = 0.5) -> None:
        import rasterio

        root = Path(root)
        scenes = scene_folders(root)
        if not scenes:
            raise InputError(f"{root} holds no scene (sar.tif and optical.tif, optionally "
                             "dem.tif and scl.tif/mask.tif), neither directly nor in "
                             "sub-folders; check --data.")
        self.patch = int(patch)
        self.stride = int(stride or patch)
        if self.patch < 16 or self.stride < 1:
            raise InputError(f"Patch {patch} / stride {stride} are too small; use a patch of "
                             "at least 16 pixels (256 in the paper) and a positive stride.")
        self.scenes: list[dict[str, Path]] = []
        sar_bands = None
        opt_dtype = "uint8"
        sar_samples = []
        for folder in scenes:
            paths = {"sar": _find(folder, "sar"), "optical": _find(folder, "optical")}
            paths.update({k: p for k in OPTIONAL if (p := _find(folder, k)) is not None})
            with rasterio.open(paths["sar"]) as sar:
                check_band_count(paths["sar"], sar.count, (1, 2), "SAR raster",
                                 "give VV, or VV and VH, in that order.")
                if sar_bands is not None and sar.count != sar_bands:
                    raise InputError(f"{paths['sar']} has {sar.count} band(s) but the first "
                                     f"scene has {sar_bands}; give every scene the same bands.")
                sar_bands = sar.count
                if sar.height < self.patch or sar.width < self.patch:
                    raise InputError(f"{paths['sar']} is {sar.height}x{sar.width} pixels, "
                                     f"smaller than one {self.patch}-pixel patch; lower --patch.")
                step = max(1, min(sar.height, sar.width) // 256)
                sar_samples.append(sar.read(1, out_shape=(sar.height // step,
                                                          sar.width // step)))
                for key, path in paths.items():
                    if key == "sar":
                        continue
                    with rasterio.open(path) as other:
                        if key == "optical":
                            check_band_count(path, other.count, (3, 4), "optical raster",
                                             "give a 3-band RGB (Sentinel-2 B04, B03, B02).")
                            opt_dtype = other.dtypes[0]
                        if (sar.crs is None or other.crs is None) and \
                                (other.height, other.width) != (sar.height, sar.width):
                            raise InputError(f"{path} has no CRS or differs in size from "
                                             f"{paths['sar']}; give both a CRS so it can be "
                                             "warped onto the SAR grid.")
            self.scenes.append(paths)
        sample = np.concatenate([s.ravel() for s in sar_samples])
        self.sar_is_db = not looks_linear(sample)
        if norm is None:
            norm = Normalization.for_bands(("VV", "VH")[:sar_bands])
        if len(norm.sar_bands) != sar_bands:
            raise InputError(f"{self.scenes[0]['sar']} has {sar_bands} band(s) but the "
                             f"normalisation expects {list(norm.sar_bands)}; match the bands.")
        norm = replace(norm, optical_scale=optical_scale_for(opt_dtype))
        super().__init__(root, norm, augment, seed)
        self.has_dem = all("dem" in s for s in self.scenes)
        self.has_distortion = all("distortion" in s for s in self.scenes)
        with rasterio.open(self.scenes[0]["sar"]) as sar:
            self.pixel_size_m = (float(abs(sar.transform.a))
                                 if sar.crs is not None and sar.crs.is_projected else None)
        self._handles: dict | None = None
        for index, paths in enumerate(self.scenes):
            self.items.extend(self._windows(index, paths, float(min_valid)))
        if not self.items:
            raise InputError(f"No {self.patch}x{self.patch} window of {root} has at least "
                             f"{min_valid:.0%} usable optical pixels; check that the optical "
                             "raster overlaps the SAR raster and is not all cloud.")

    # -- windows ----------------------------------------------------------------------------
    def _windows(self, index: int, paths: dict[str, Path], min_valid: float) -> list[Item]:
        """Windows whose usable fraction (from a coarse read of the masks) is high enough."""
        handles = self._open(paths)
        height, width = handles["sar"].height, handles["sar"].width
        step = max(1, self.patch // 16)
        shape = (max(1, height // step), max(1, width // step))
        ok = np.ones(shape, bool)
        for key in ("sar", "optical", "dem"):
            if key in handles:
                ok &= handles[key].read_masks(1, out_shape=shape) > 0
        if "scl" in handles or "mask" in handles:
            key = "scl" if "scl" in handles else "mask"
            ok &= usable_from_mask(handles[key].read(out_shape=(1, *shape)), key == "scl")
        self._close(handles)
        scene = paths["sar"].parent.name
        block = self.patch * GROUP_PATCHES
        items = []
        for row in range(0, height - self.patch + 1, self.stride):
            for col in range(0, width - self.patch + 1, self.stride):
                part = ok[row // step:(row + self.patch) // step,
                          col // step:(col + self.patch) // step]
                if part.size and part.mean() >= min_valid:
                    items.append(Item(f"{scene}_r{row}_c{col}",
                                      f"{scene}_{row // block}_{col // block}",
                                      (index, row, col)))
        return items

    # -- file handles (opened lazily in each worker process) --------------------------------
    def _open(self, paths: dict[str, Path]) -> dict:
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT

        sar = rasterio.open(paths["sar"])
        handles = {"sar": sar}
        for key, path in paths.items():
            if key == "sar":
                continue
            src = rasterio.open(path)
            if src.crs is None or (src.crs == sar.crs and src.transform == sar.transform
                                   and src.shape == sar.shape):
                handles[key] = src
                continue
            nearest = key in ("scl", "mask", "distortion")
            handles[key] = WarpedVRT(src, crs=sar.crs, transform=sar.transform,
                                     width=sar.width, height=sar.height,
                                     resampling=Resampling.nearest if nearest
                                     else Resampling.bilinear)
            handles[f"_{key}_src"] = src
        return handles

    @staticmethod
    def _close(handles: dict) -> None:
        for handle in handles.values():
            handle.close()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_handles"] = None  # rasterio handles do not cross process boundaries
        return state

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        from rasterio.windows import Window

        index, row, col = item.source
        if self._handles is None:
            self._handles = {}
        if index not in self._handles:
            self._handles[index] = self._open(self.scenes[index])
        handles = self._handles[index]
        window = Window(col, row, self.patch, self.patch)
        sar = handles["sar"].read(window=window).astype(np.float32)
        valid = handles["sar"].read_masks(1, window=window) > 0
        optical = handles["optical"].read(indexes=[1, 2, 3], window=window)
        valid &= handles["optical"].read_masks(1, window=window) > 0
        if handles["optical"].count == 4:
            valid &= handles["optical"].read(4, window=window) > 0
        dem = None
        if self.has_dem:
            dem = handles["dem"].read(1, window=window).astype(np.float32)[None]
            valid &= handles["dem"].read_masks(1, window=window) > 0
        for key in ("scl", "mask"):
            if key in handles:
                valid &= usable_from_mask(handles[key].read(window=window), key == "scl")
        distortion = (handles["distortion"].read(1, window=window)[None]
                      if self.has_distortion else None)
        return self.make_sample(sar, dem, optical, valid=valid, distortion=distortion,
                                sar_is_db=self.sar_is_db,
                                source=str(self.scenes[index]["sar"]))

    def describe(self) -> dict:
        info = super().describe()
        info.update({"scenes": [str(s["sar"].parent) for s in self.scenes],
                     "patch": self.patch, "stride": self.stride})
        return info

