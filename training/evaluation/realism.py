"""Two realism measures of an evaluation, next to MSE/SSIM: the share of output colours outside
the real Sentinel-2 gamut (``gamut.py``) and the grid-artefact excess at the decoder's
upsampling period (``grid.py``), for each model and for the truth (the yardstick: a natural
image scores about 1 on the grid measure, and the real truths lie inside the gamut).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .gamut import Gamut, out_of_gamut_counts, real_gamut
from .grid import DECODER_PERIOD, crop_to_period, grid_excess

TRUTH = "truth"


class RealismAccumulator:
    """Out-of-gamut pixels pooled over images; grid excess averaged over images."""

    def __init__(self, gamut: Gamut, period: int = DECODER_PERIOD) -> None:
        self.gamut = gamut
        self.period = period
        self.outside = 0
        self.pixels = 0
        self.excess: list[float] = []

    def add(self, rgb: np.ndarray, valid: np.ndarray | None = None) -> None:
        outside, total = out_of_gamut_counts(rgb, self.gamut, valid)
        self.outside += outside
        self.pixels += total
        image = crop_to_period(np.asarray(rgb), self.period)
        if min(image.shape[-2:]) >= 4 * self.period:
            self.excess.append(grid_excess(image, self.period))

    def result(self) -> dict:
        return {"out_of_gamut": self.outside / self.pixels if self.pixels else math.nan,
                "grid_excess": float(np.mean(self.excess)) if self.excess else math.nan,
                "grid_period": self.period}


def realism_note(gamut: Gamut) -> str:
    return (f"out-of-gamut: share of valid output pixels whose colour falls in none of the "
            f"{int(gamut.occupied.sum())} of {gamut.levels ** 3} RGB cells that real "
            "BigEarthNet v2 training/validation Sentinel-2 pixels occupy (grown by one cell along "
            "each channel); "
            f"grid excess: spectral power at the lattice of period {DECODER_PERIOD} px "
            "(the decoder's three x2 upsamplings) over the power its surroundings predict, "
            "mean over images (about 1: no grid)")


def realism_table(rows: Sequence[dict], truth: dict | None) -> str:
    """Markdown: one line per row with the two measures, the truth first."""
    lines = ["| Model | Out of gamut (%) | Grid excess (period 8) |", "|---|---|---|"]
    entries = ([(f"*{TRUTH}*", truth)] if truth else []) + [
        (r["model"] + ("" if r.get("enhancement", "none") == "none" else
                       f" + {r['enhancement']}"), r.get("realism")) for r in rows]
    for label, values in entries:
        if not values:
            continue
        gamut = values.get("out_of_gamut", math.nan)
        excess = values.get("grid_excess", math.nan)
        lines.append(f"| {label} | {_fmt(gamut, 100.0, 2)} | {_fmt(excess, 1.0, 2)} |")
    return "\n".join(lines) + "\n"


def _fmt(value: float | None, scale: float, digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * scale:.{digits}f}"


def realism_accumulators(keys: Sequence) -> tuple[Gamut, dict]:
    """The real gamut and one accumulator per key."""
    gamut = real_gamut()
    return gamut, {k: RealismAccumulator(gamut) for k in keys}
