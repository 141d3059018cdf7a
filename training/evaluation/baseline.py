"""The reference row of every evaluation: paint each pixel the training split's mean colour.

A translation that does not beat this constant has learnt nothing about the scene, so
Table 1 shows it first, measured on the same patches and regions as the models (not ranked,
not bold: it is a yardstick, not a competitor).
"""
from __future__ import annotations

import math

import numpy as np

from ...core.feedback import Feedback
from .data import EvalData
from .metrics import RegionAccumulator

LABEL = "mean colour (reference)"
MAX_MEAN_PATCHES = 1000   # evenly spaced; the mean colour is settled long before that


def _spread(indices: list[int], limit: int) -> list[int]:
    if len(indices) <= limit:
        return list(indices)
    picks = np.linspace(0, len(indices) - 1, limit).round().astype(int)
    return [indices[i] for i in picks]


def mean_colour(data: EvalData, feedback: Feedback) -> tuple[np.ndarray, str]:
    """Mean RGB over the valid pixels of the training part (or of the evaluated patches
    when the split has no training part), and a sentence saying which."""
    if data.train_indices:
        source, indices = "the training split", data.train_indices
    else:
        source, indices = "the evaluated patches themselves (no training split)", data.indices
    chosen = _spread(indices, MAX_MEAN_PATCHES)
    total = np.zeros(3, np.float64)
    pixels = 0
    for index in chosen:
        feedback.check_cancelled()
        sample = data.reference[index]
        optical = sample["optical"].numpy().astype(np.float64)
        valid = sample["valid"][0].numpy().astype(bool)
        total += optical[:, valid].sum(axis=1)
        pixels += int(valid.sum())
    if len(chosen) < len(indices):
        source += f" ({len(chosen)} of its {len(indices)} patches, evenly spaced)"
    if pixels == 0:
        return np.full(3, math.nan), source
    return total / pixels, source


class ReferenceRow:
    """The constant-colour row. ``add`` takes the truths as the first model's evaluation
    reads them, so the evaluated patches are not read once more just for this row."""

    def __init__(self, data: EvalData, feedback: Feedback | None = None) -> None:
        self.colour, self.source = mean_colour(data, feedback or Feedback())
        self._acc = RegionAccumulator()

    def add(self, truth: np.ndarray, codes: np.ndarray | None, valid: np.ndarray) -> None:
        const = np.broadcast_to(self.colour[:, None, None], truth.shape).astype(np.float32)
        self._acc.add(const, truth, codes, valid)

    def result(self) -> dict:
        """A model row's metrics, and a note of where the colour came from."""
        metrics = self._acc.result()
        metrics["global"]["fid"] = math.nan
        return {"model": LABEL, "enhancement": "none", "reference": True,
                "mean_rgb": [float(v) for v in self.colour],
                "note": f"every pixel painted the mean colour of {self.source}",
                "metrics": metrics}
