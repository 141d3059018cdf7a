"""Per land-cover class statistics of real Sentinel-1/Sentinel-2 pairs: what the simulator is
calibrated on (``sardine calibrate``; the table lives in resources/simulator/calibration.json).

BigEarthNet labels are per patch, not per pixel, so each pixel's class comes from its
Sentinel-2 spectrum *constrained by the patch labels*: a pixel can only be water if the patch
lists inland or marine water, and so on. Only optical bands decide the class, so the
backscatter statistics measured on it are not biased by the classifier. Rules (reflectance):

- water: NDWI (B03, B08) > 0;
- built-up: NDBI (B11, B08) > 0 and NDVI < 0.5;
- forest: NDVI > 0.7 and green (B03) < 0.058 (dense canopies are darker than grass in the
  visible: the B03 histogram of the vegetated pixels of the training pairs is bimodal, Otsu's
  threshold is 0.058);
- open land (pasture, grassland and fields): the remaining pixels with NDVI > 0.15.
Class masks are eroded by one pixel so mixed border pixels (and co-registration error) do
not blur the statistics. Meadow and fields share the open-land row: the Austrian pairs always
list pastures with their arable land, so the two cannot be told apart per pixel.

Measured per class: VV/VH dB mean and spread (standard deviation over pixels), speckle
strength as the equivalent number of looks (ENL = mean^2 / variance of linear intensity in
5 x 5 windows wholly inside the class, median over windows), and the display colour
(reflectance x 10000 / 3000 clipped to [0, 1], the scoring convention) mean and spread.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

WATER_LABELS = {"Inland waters", "Marine waters"}
FOREST_LABELS = {"Broad-leaved forest", "Coniferous forest", "Mixed forest"}
BUILT_LABELS = {"Urban fabric", "Industrial or commercial units"}
OPEN_LABELS = {"Pastures", "Natural grassland and sparsely vegetated areas", "Arable land",
               "Complex cultivation patterns", "Permanent crops",
               "Land principally occupied by agriculture, with significant areas of natural "
               "vegetation", "Transitional woodland, shrub", "Agro-forestry areas"}
CLASSES = ("water", "forest", "open", "built")
CLASS_LABELS = {"water": WATER_LABELS, "forest": FOREST_LABELS, "open": OPEN_LABELS,
                "built": BUILT_LABELS}
S2_BANDS = ("B04", "B03", "B02", "B08", "B11")
FOREST_GREEN_MAX = 0.058
ENL_WINDOW = 5
ENL_PER_PATCH = 20000  # more than a 120 px patch has: the wheel's pairs are measured whole
DISPLAY_SCALE = 3000.0


def classify_pixels(s2: np.ndarray, labels: Iterable[str]) -> dict[str, np.ndarray]:
    """Class masks of a patch from its (B04, B03, B02, B08, B11) reflectance x 10000 and
    labels; pixels that fit no allowed class are in none."""
    r, g, _, nir, swir = (b.astype(np.float64) / 10000.0 for b in s2)
    labels = set(labels)
    allowed = {c: bool(labels & CLASS_LABELS[c]) for c in CLASSES}
    eps = 1e-6
    ndvi = (nir - r) / (nir + r + eps)
    ndwi = (g - nir) / (g + nir + eps)
    ndbi = (swir - nir) / (swir + nir + eps)
    valid = (s2 > 0).all(axis=0)
    water = allowed["water"] & (ndwi > 0.0) & valid
    built = allowed["built"] & (ndbi > 0.0) & (ndvi < 0.5) & valid & ~water
    forest = allowed["forest"] & (ndvi > 0.7) & (g < FOREST_GREEN_MAX) & valid
    open_land = allowed["open"] & (ndvi > 0.15) & valid & ~water & ~built & ~forest
    masks = {"water": water, "forest": forest, "open": open_land, "built": built}
    return {c: ndimage.binary_erosion(m, iterations=1) for c, m in masks.items()}


def window_enl(intensity: np.ndarray, mask: np.ndarray, size: int = ENL_WINDOW) -> np.ndarray:
    """mean^2 / variance of linear intensity in every ``size`` x ``size`` window wholly
    inside ``mask`` (an empty array when there is none)."""
    inside = ndimage.minimum_filter(mask.astype(np.uint8), size=size, mode="constant") > 0
    if not inside.any():
        return np.zeros(0)
    mean = ndimage.uniform_filter(intensity, size=size, mode="nearest")
    mean_sq = ndimage.uniform_filter(intensity * intensity, size=size, mode="nearest")
    var = np.maximum(mean_sq - mean * mean, 1e-20)
    return (mean * mean / var)[inside]


class Moments:
    """Running count, sum and sum of squares per channel (float64): mean and spread of any
    number of pixels in constant memory."""

    def __init__(self, channels: int) -> None:
        self.n = 0
        self.total = np.zeros(channels)
        self.squares = np.zeros(channels)

    def add(self, values: np.ndarray) -> None:  # (channels, n)
        values = values.astype(np.float64)
        self.n += values.shape[1]
        self.total += values.sum(axis=1)
        self.squares += (values * values).sum(axis=1)

    def mean(self) -> np.ndarray:
        return self.total / self.n

    def std(self) -> np.ndarray:
        return np.sqrt(np.maximum(self.squares / self.n - self.mean() ** 2, 0.0))


@dataclass
class ClassAccumulator:
    """One class over many patches, in bounded memory: moments of dB and colour, and up to
    ``ENL_PER_PATCH`` window ENLs per patch (evenly spaced) for the median."""

    sar: Moments = field(default_factory=lambda: Moments(2))
    rgb: Moments = field(default_factory=lambda: Moments(3))
    enl: list[list[np.ndarray]] = field(default_factory=lambda: [[], []])
    patches: int = 0

    def add(self, sar_db: np.ndarray, rgb_unit: np.ndarray, mask: np.ndarray) -> None:
        if not mask.any():
            return
        self.patches += 1
        self.sar.add(sar_db[:, mask])
        self.rgb.add(rgb_unit[:, mask])
        for band in range(2):
            values = window_enl(10.0 ** (sar_db[band].astype(np.float64) / 10.0), mask)
            if values.size > ENL_PER_PATCH:
                values = values[np.linspace(0, values.size - 1, ENL_PER_PATCH).astype(int)]
            self.enl[band].append(values)

    def summary(self) -> dict | None:
        if not self.patches:
            return None
        row = {"pixels": int(self.sar.n), "patches": self.patches}
        mean, std = self.sar.mean(), self.sar.std()
        for i, pol in enumerate(("vv", "vh")):
            enl = np.concatenate(self.enl[i])
            row[f"{pol}_db_mean"] = round(float(mean[i]), 3)
            row[f"{pol}_db_std"] = round(float(std[i]), 3)
            row[f"{pol}_enl"] = round(float(np.median(enl)), 3) if enl.size else None
        row["rgb_mean"] = [round(float(v), 4) for v in self.rgb.mean()]
        row["rgb_std"] = [round(float(v), 4) for v in self.rgb.std()]
        return row


def class_statistics(pairs: Iterable[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]
                     ) -> dict[str, dict]:
    """Per class statistics of ``(sar_db (2, H, W), rgb_unit (3, H, W), masks)`` triples
    (the masks from ``classify_pixels`` for real pairs, from the land cover for simulated
    ones); classes no pair shows are left out."""
    acc = {c: ClassAccumulator() for c in CLASSES}
    for sar_db, rgb_unit, masks in pairs:
        ok = np.isfinite(sar_db).all(axis=0)
        for name, mask in masks.items():
            acc[name].add(sar_db, rgb_unit, mask & ok)
    out = {}
    for name, a in acc.items():
        row = a.summary()
        if row is not None:
            out[name] = row
    return out


def display_rgb(s2_rgb: np.ndarray) -> np.ndarray:
    """(B04, B03, B02) reflectance x 10000 -> display units in [0, 1] (scoring convention)."""
    return np.clip(s2_rgb.astype(np.float64) / DISPLAY_SCALE, 0.0, 1.0)
