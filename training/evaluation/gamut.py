"""The colour gamut of real Sentinel-2 true colour, and the share of a prediction outside it.

Why: a translation can score a fair MSE and still paint colours no Sentinel-2 image has
(saturated blue or magenta patches). The gamut is the set of cells of an RGB grid
(``levels`` per channel over the display range [0, 1]) holding at least ``min_count`` real
pixels, grown by one cell along each channel so quantisation alone rarely puts a real colour
outside (the real test truths: 0.03 % outside with 32 levels). The out-of-gamut fraction is
the share of valid output pixels whose cell is not in it. The real gamut is measured by
``sardine calibrate`` and stored with the real statistics.
"""
from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class Gamut:
    levels: int
    occupied: np.ndarray  # (levels, levels, levels) bool, indexed [r, g, b]

    def cells(self, rgb: np.ndarray) -> np.ndarray:
        """Flat cell index of each colour of a (3, ...) array in [0, 1]."""
        q = np.clip((np.asarray(rgb, np.float64) * self.levels).astype(np.int64), 0,
                    self.levels - 1)
        return (q[0] * self.levels + q[1]) * self.levels + q[2]

    def to_dict(self) -> dict:
        """``bits``: the occupied flags, cell index (r * levels + g) * levels + b, packed
        8 to a byte (numpy.packbits, big-endian bit order), base64."""
        packed = np.packbits(self.occupied.reshape(-1)).tobytes()
        return {"levels": self.levels, "cells": int(self.occupied.sum()),
                "bits": base64.b64encode(packed).decode("ascii")}

    @classmethod
    def from_dict(cls, data: dict) -> Gamut:
        levels = int(data["levels"])
        packed = np.frombuffer(base64.b64decode(data["bits"]), np.uint8)
        occupied = np.unpackbits(packed)[: levels ** 3].astype(bool)
        return cls(levels, occupied.reshape(levels, levels, levels))


class GamutCounter:
    """Pixels per RGB cell over any number of images, in constant memory."""

    def __init__(self, levels: int = 32) -> None:
        self.probe = Gamut(levels, np.zeros((levels,) * 3, bool))
        self.counts = np.zeros(levels ** 3, np.int64)

    def add(self, image: np.ndarray) -> None:
        """A (3, H, W) display-unit image; NaN pixels are ignored."""
        flat = np.asarray(image, np.float64).reshape(3, -1)
        flat = flat[:, np.isfinite(flat).all(axis=0)]
        self.counts += np.bincount(self.probe.cells(flat), minlength=self.counts.size)

    def gamut(self, min_count: int = 1, grow: int = 1) -> Gamut:
        levels = self.probe.levels
        occupied = (self.counts >= min_count).reshape((levels,) * 3)
        if grow:
            # Face neighbours only: a colour a cell away along one channel is still real, one
            # that is off in all three channels at once is not (a cube would let pale
            # magentas in next to the real greys).
            occupied = ndimage.binary_dilation(occupied, ndimage.generate_binary_structure(3, 1),
                                               iterations=grow)
        return Gamut(levels, occupied)


def gamut_from_pixels(images: Iterable[np.ndarray], levels: int = 32, min_count: int = 1,
                      grow: int = 1) -> Gamut:
    """The gamut of (3, H, W) display-unit images (NaN pixels ignored)."""
    counter = GamutCounter(levels)
    for image in images:
        counter.add(image)
    return counter.gamut(min_count, grow)


def out_of_gamut_counts(rgb: np.ndarray, gamut: Gamut, valid: np.ndarray | None = None
                        ) -> tuple[int, int]:
    """(pixels outside the gamut, valid pixels) of a (3, H, W) image in [0, 1]."""
    flat = np.asarray(rgb).reshape(3, -1)
    keep = np.isfinite(flat).all(axis=0)
    if valid is not None:
        keep &= np.asarray(valid, bool).reshape(-1)
    inside = gamut.occupied.reshape(-1)[gamut.cells(flat[:, keep])]
    return int((~inside).sum()), int(keep.sum())


def out_of_gamut_fraction(rgb: np.ndarray, gamut: Gamut, valid: np.ndarray | None = None
                          ) -> float:
    outside, total = out_of_gamut_counts(rgb, gamut, valid)
    return outside / total if total else float("nan")


def real_gamut() -> Gamut:
    """The gamut of the real pairs (resources/simulator/real_statistics.json)."""
    from ..simulate.calibration import load_statistics

    return Gamut.from_dict(load_statistics()["gamut"])
