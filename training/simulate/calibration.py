"""The simulator's numbers from real statistics: resources/simulator/real_statistics.json.

The table (written by ``sardine calibrate``, measured by ``real_stats.py`` on the real
BigEarthNet v2 training and validation pairs) gives per class the VV/VH dB mean and spread,
the speckle ENL and the display colour mean and spread. This module turns them into the
parameters of the physical laws at the reference geometry (flat ground, 39 deg):

- speckle: ``DEFAULT_LOOKS`` is the median ENL of the measured classes;
- backscatter level: the measured dB mean, less the mean of speckle in dB
  (10/ln10 (psi(L) - ln L)) and less the thermal noise floor (in linear power);
- backscatter texture: the measured spread less speckle's dB spread (10/ln10 sqrt(psi1(L)))
  (and less the spread of crop offsets for fields, of wind for water), carried by the
  ``vigour`` field (spread ``VIGOUR_SPREAD``) so SAR and optical textures stay correlated;
- colours: the measured mean, with the hand-set directions of variation (low -> high
  vigour, crop differences, lake depth) scaled to the measured spread.

Classes the real pairs do not show (rock, scree, snow) keep their hand-set values
(``HAND_SET_*`` in backscatter.py / optical.py); so do the physics (angular laws, double
bounce, hillshade). Meadow and fields share the open-land row (see real_stats.py).
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import digamma, polygamma

from .landcover import VIGOUR_SPREAD

STATS_PATH = (Path(__file__).resolve().parent.parent.parent / "resources" / "simulator"
              / "real_statistics.json")
DB = 10.0 / math.log(10.0)
TEXTURE_SPREAD = 0.86  # std of optical texture 0.7 fine + 0.5 medium (unit fields)


@lru_cache(maxsize=4)
def load_statistics(path: str | None = None) -> dict:
    """The measured table (the bundled one unless ``path``)."""
    return json.loads(Path(path or STATS_PATH).read_text())


def class_row(name: str) -> dict:
    return load_statistics()["classes"][name]


def speckle_db_mean(looks: float) -> float:
    """Mean of 10 log10 of unit-mean Gamma(L) speckle (negative: dB averages low)."""
    return float(DB * (digamma(looks) - math.log(looks)))


def speckle_db_std(looks: float) -> float:
    return float(DB * math.sqrt(polygamma(1, looks)))


def calibrated_looks() -> float:
    """Median ENL of the measured classes and polarisations."""
    rows = load_statistics()["classes"].values()
    values = [r[k] for r in rows for k in ("vv_enl", "vh_enl") if r.get(k)]
    return round(float(np.median(values)), 2)


def level_db(mean_db: float, looks: float, noise_floor_db: float) -> float:
    """sigma0 (dB) whose speckled, noise-added image averages ``mean_db`` in dB."""
    power = 10.0 ** ((mean_db - speckle_db_mean(looks)) / 10.0) - 10.0 ** (noise_floor_db / 10)
    return float(10.0 * math.log10(max(power, 10.0 ** ((noise_floor_db - 10.0) / 10.0))))


def texture_db(std_db: float, looks: float, other_var: float = 0.0) -> float:
    """dB spread left for texture once speckle (and ``other_var``, dB^2) is accounted for."""
    return float(math.sqrt(max(0.0, std_db ** 2 - speckle_db_std(looks) ** 2 - other_var)))


def backscatter_row(name: str, looks: float, noise_floor_db: float
                    ) -> tuple[float, float, float, float]:
    """(VV level dB, VH - VV dB, VV dB per unit vigour, VH dB per unit vigour)."""
    row = class_row(name)
    vv = level_db(row["vv_db_mean"], looks, noise_floor_db)
    vh = level_db(row["vh_db_mean"], looks, noise_floor_db)
    return (vv, vh - vv, texture_db(row["vv_db_std"], looks) / VIGOUR_SPREAD,
            texture_db(row["vh_db_std"], looks) / VIGOUR_SPREAD)


def offsets(values: dict[int, float], weights: dict[int, float]) -> dict[int, float]:
    """Values less their weighted mean."""
    mean = sum(values[k] * weights[k] for k in values) / sum(weights.values())
    return {k: v - mean for k, v in values.items()}


def weighted_var(values: dict[int, float], weights: dict[int, float]) -> float:
    off = offsets(values, weights)
    return sum(off[k] ** 2 * weights[k] for k in off) / sum(weights.values())


def colour_255(name: str, key: str = "rgb_mean") -> np.ndarray:
    """A measured colour (or spread) in the simulator's 0..255 display units."""
    return np.asarray(class_row(name)[key], np.float64) * 255.0


def palette_entry(name: str, hand_low, hand_high, hand_amp: float
                  ) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """(low-vigour colour, high-vigour colour, texture amplitude) reproducing the measured
    mean and spread: texture takes at most half the variance, vigour the rest."""
    mean, std = colour_255(name), colour_255(name, "rgb_std")
    amp = float(min(hand_amp, 0.7 * np.min(std / np.maximum(mean, 1.0)) / TEXTURE_SPREAD))
    rest = np.sqrt(np.maximum(std ** 2 - (mean * TEXTURE_SPREAD * amp) ** 2, 0.0))
    # Capped at 60 % of the mean: a class whose measured spread is a mixture (open land:
    # green pasture and bare fields) must not reach black or saturated colours; fields carry
    # that mixture through their crop colours (``scaled_offsets``).
    half = np.minimum(rest / VIGOUR_SPREAD / 2.0, 0.6 * mean)
    sign = np.sign(np.asarray(hand_high, float) - np.asarray(hand_low, float))
    sign[sign == 0] = 1.0
    low = np.clip(mean - sign * half, 1.0, 255.0)
    high = np.clip(mean + sign * half, 1.0, 255.0)
    return tuple(map(float, low)), tuple(map(float, high)), amp


def scaled_offsets(name: str, hand: dict[int, tuple], weights: dict[int, float]
                   ) -> dict[int, tuple[float, ...]]:
    """Colours of the sub-classes (crops) around the measured mean, their hand-set
    differences scaled so the between-crop spread matches the measured spread."""
    mean, std = colour_255(name), colour_255(name, "rgb_std")
    hand_arr = {k: np.asarray(v, float) for k, v in hand.items()}
    total = sum(weights.values())
    hand_mean = sum(hand_arr[k] * weights[k] for k in hand_arr) / total
    hand_var = sum((hand_arr[k] - hand_mean) ** 2 * weights[k] for k in hand_arr) / total
    scale = float(np.sqrt(np.mean(std ** 2) / max(float(np.mean(hand_var)), 1e-9)))
    return {k: tuple(map(float, np.clip(mean + scale * (hand_arr[k] - hand_mean), 1.0, 255.0)))
            for k in hand_arr}


def describe() -> dict:
    """What scene.json and dataset.json record about the calibration."""
    table = load_statistics()
    return {"table": "resources/simulator/real_statistics.json",
            "source": table.get("source"), "measured": table.get("measured"),
            "looks": calibrated_looks()}
