"""What every dataset yields, and the preprocessing they share.

Each item is a dict of tensors so the trainer never cares where the data came from:

- ``sar``      (C, H, W) float32 in [0, 1]: dB (converted from linear when needed), clipped
  per band to the ``Normalization`` ranges and scaled;
- ``dem``      (1, H, W) float32: metres / ``Normalization.dem_max_m`` (zeros when the
  source has no DEM; ``has_dem`` is then False);
- ``optical``  (3, H, W) float32 in [0, 1] (``optical / Normalization.optical_scale``);
- ``valid``    (1, H, W) bool: pixels the loss may use (no cloud, snow, nodata, NaN);
- ``has_dem``  bool scalar tensor;
- ``distortion`` (1, H, W) uint8, only when the source has distortion masks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ...core.errors import InputError
from ...core.normalization import Normalization, linear_to_db, looks_linear

# Sentinel-2 L2A reflectance is stored as reflectance * 10000; 0.3 reflectance is a bright
# but unsaturated land surface, so dividing by 3000 gives a displayable true colour.
S2_DISPLAY_SCALE = 3000.0


@dataclass(frozen=True)
class Item:
    """One patch: a stable name (used for the split) and what the reader needs to load it."""

    name: str
    group: str  # items of one group always land in the same split (overlapping windows)
    source: object


class SardineDataset(Dataset):
    """Base class: subclasses fill ``items`` and implement ``load(item) -> dict``."""

    kind = "base"
    has_dem = True
    has_distortion = False
    pixel_size_m: float | None = None
    flat_dem_m: float | None = None  # set by use_flat_dem: a constant DEM stands in for none

    def __init__(self, root: str | Path, norm: Normalization, augment: bool = False,
                 seed: int = 0) -> None:
        self.root = Path(root)
        self.norm = norm
        self.augment = augment
        self.seed = int(seed)
        self.epoch = 0
        self.items: list[Item] = []

    # -- the torch Dataset protocol -------------------------------------------------------
    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        sample = self.load(self.items[index])
        if self.augment:
            # The draw depends on (seed, epoch, index) only, so it is the same with any
            # number of workers or processes, and a resumed run repeats it.
            rng = np.random.default_rng([self.seed, self.epoch, index])
            sample = augment_sample(sample, int(rng.integers(0, 8)))
        return sample

    def set_epoch(self, epoch: int) -> None:
        """Called by the trainer before each epoch so augmentation differs between epochs."""
        self.epoch = int(epoch)

    def load(self, item: Item) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def use_flat_dem(self, height_m: float) -> None:
        """Yield a constant DEM of ``height_m`` metres instead of none, so a DEM-fusing model
        can be scored on (or trained with) pairs of flat land that come without a DEM (the
        BigEarthNet pairs). Explicit only: a dataset with a real DEM refuses it."""
        if self.has_dem:
            raise InputError(f"{self.root} has its own DEM; a flat DEM only stands in for a "
                             "missing one (leave out --flat-dem / flat_dem_m).")
        if not np.isfinite(height_m):
            raise InputError(f"The flat DEM height must be a number of metres, not {height_m}.")
        self.flat_dem_m = float(height_m)
        self.has_dem = True

    def published_split(self) -> dict[str, list[str]] | None:
        """The split the data's publisher fixed (item names per part), if any; it is kept
        so scores compare with published ones and test patches never enter training."""
        return None

    @property
    def sar_channels(self) -> int:
        return len(self.norm.sar_bands)

    def describe(self) -> dict:
        """Facts recorded in config.json and in the weights metadata."""
        info = {"kind": self.kind, "root": str(self.root), "items": len(self.items),
                "has_dem": self.has_dem, "sar_bands": list(self.norm.sar_bands),
                "pixel_size_m": self.pixel_size_m}
        if self.flat_dem_m is not None:
            info["flat_dem_m"] = self.flat_dem_m
        return info

    # -- shared preprocessing -------------------------------------------------------------
    def make_sample(self, sar: np.ndarray, dem: np.ndarray | None, optical: np.ndarray,
                    valid: np.ndarray | None = None, distortion: np.ndarray | None = None,
                    sar_is_db: bool | None = None, source: str = "") -> dict[str, torch.Tensor]:
        """Raw arrays (SAR in dB or linear, DEM in metres, optical in its own units) ->
        the unit-scaled tensors the models take, with invalid pixels flagged."""
        sar = sar.astype(np.float32, copy=False)
        if sar_is_db is None:
            sar_is_db = not looks_linear(sar)
        if not sar_is_db:
            sar = linear_to_db(sar)
        optical = optical.astype(np.float32, copy=False)
        ok = np.isfinite(optical).all(axis=0) & np.isfinite(sar).all(axis=0)
        if valid is not None:
            ok &= valid.astype(bool)
        sar_unit = np.nan_to_num(self.norm.sar_to_unit(np.nan_to_num(sar, nan=-99.0)))
        opt_unit = np.clip(np.nan_to_num(optical / np.float32(self.norm.optical_scale)), 0, 1)
        if dem is None and self.flat_dem_m is not None:
            dem = np.full(sar.shape[1:], self.flat_dem_m, np.float32)
        if dem is None:
            dem_unit = np.zeros((1, *sar.shape[1:]), np.float32)
        else:
            dem = dem.astype(np.float32, copy=False).reshape(1, *sar.shape[1:])
            ok &= np.isfinite(dem[0])
            dem_unit = np.nan_to_num(self.norm.dem_to_unit(dem))
        sample = {
            "sar": torch.from_numpy(np.ascontiguousarray(sar_unit)),
            "dem": torch.from_numpy(np.ascontiguousarray(dem_unit)),
            "optical": torch.from_numpy(np.ascontiguousarray(opt_unit)),
            "valid": torch.from_numpy(np.ascontiguousarray(ok[None])),
            "has_dem": torch.tensor(dem is not None),
        }
        if self.has_distortion:
            if distortion is None:
                raise InputError(f"{source}: this dataset has distortion masks but none was "
                                 "found for this patch; add it or remove the distortion folder.")
            sample["distortion"] = torch.from_numpy(
                np.ascontiguousarray(distortion.reshape(1, *sar.shape[1:]).astype(np.uint8)))
        return sample


def augment_sample(sample: dict[str, torch.Tensor], code: int) -> dict[str, torch.Tensor]:
    """Apply one of the 8 flips/90-degree rotations identically to every image in a sample
    (SAR, DEM, optical, masks), so they stay aligned."""
    out = {}
    for key, value in sample.items():
        if value.dim() == 3:
            if code & 1:
                value = torch.flip(value, dims=(-1,))
            value = torch.rot90(value, k=code >> 1, dims=(-2, -1))
            value = value.contiguous()
        out[key] = value
    return out


def check_band_count(path: Path, count: int, expected: Sequence[int], what: str,
                     fix: str) -> None:
    """Raise an error naming the file when a raster has the wrong number of bands."""
    if count not in expected:
        want = " or ".join(str(e) for e in expected)
        raise InputError(f"{path}: the {what} has {count} band(s), expected {want}; {fix}")


def check_same_shape(path: Path, shape: tuple[int, ...], ref_path: Path,
                     ref_shape: tuple[int, ...]) -> None:
    """Raise an error naming both files when two patches of one item differ in size."""
    if tuple(shape[-2:]) != tuple(ref_shape[-2:]):
        raise InputError(f"{path} is {shape[-2]}x{shape[-1]} pixels but {ref_path} is "
                         f"{ref_shape[-2]}x{ref_shape[-1]}; the patches of one item must have "
                         "the same size (crop or resample them to match).")
