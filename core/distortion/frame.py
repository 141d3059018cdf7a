"""A sampling frame whose rows are SAR range lines, for any look direction.

Layover, shadow and the radar's slant-range binning are one-dimensional along range. A
north-up DEM is sampled on a rotated grid (rows: azimuth lines, columns: ground range from
near to far), the line-wise computation runs on whole rows at once, and the results are
mapped back onto the DEM's pixels.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


class RangeFrame:
    """Rotated sampling grid over an array of ``shape`` with pixel sizes ``pixel_size`` (x, y)
    in metres, whose columns run along ``look_azimuth_deg`` (clockwise from north, from the
    sensor towards far range). ``step`` is the sample spacing in metres along both axes."""

    def __init__(self, shape: tuple[int, int], pixel_size: tuple[float, float],
                 look_azimuth_deg: float, step: float | None = None, pad: int = 2) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.px, self.py = float(pixel_size[0]), float(pixel_size[1])
        self.step = float(step) if step is not None else min(self.px, self.py)
        self.pad = int(pad)
        phi = math.radians(look_azimuth_deg)
        # Unit vectors in (east, north): u along range (far is +), v along azimuth.
        self.u = (math.sin(phi), math.cos(phi))
        self.v = (math.cos(phi), -math.sin(phi))
        h, w = self.shape
        cx = np.array([0.0, w - 1.0, 0.0, w - 1.0]) * self.px
        cy = -np.array([0.0, 0.0, h - 1.0, h - 1.0]) * self.py
        r = cx * self.u[0] + cy * self.u[1]
        a = cx * self.v[0] + cy * self.v[1]
        self.r0 = float(r.min()) - self.pad * self.step
        self.a0 = float(a.min()) - self.pad * self.step
        self.n_range = int(math.ceil((r.max() - r.min()) / self.step - 1e-9)) + 1 + 2 * self.pad
        self.n_lines = int(math.ceil((a.max() - a.min()) / self.step - 1e-9)) + 1 + 2 * self.pad
        self._coords: np.ndarray | None = None
        self._back: np.ndarray | None = None

    def ground_range(self) -> np.ndarray:
        """Ground range (m) of each column, increasing from near to far."""
        return np.arange(self.n_range, dtype=np.float64) * self.step

    def _source_coords(self) -> np.ndarray:
        """(2, lines, range) fractional (row, col) of every frame sample in the array."""
        if self._coords is None:
            k = self.r0 + np.arange(self.n_range) * self.step
            line = self.a0 + np.arange(self.n_lines) * self.step
            coords = np.empty((2, self.n_lines, self.n_range))  # written in place: no stack
            x = line[:, None] * self.v[0] + k[None, :] * self.u[0]
            np.divide(x, self.px, out=coords[1])
            np.multiply(line[:, None], self.v[1], out=x)  # x's memory reused for y
            x += k[None, :] * self.u[1]
            np.divide(np.negative(x, out=x), self.py, out=coords[0])
            self._coords = coords
        return self._coords

    def inside(self) -> np.ndarray:
        """True for frame samples that fall on the array (not in the rotated corners)."""
        rows, cols = self._source_coords()
        h, w = self.shape
        return (rows > -0.5) & (rows < h - 0.5) & (cols > -0.5) & (cols < w - 0.5)

    def to_frame(self, array: np.ndarray, order: int = 1) -> np.ndarray:
        """Sample a (H, W) array on the frame; outside samples repeat the nearest edge."""
        return ndimage.map_coordinates(np.asarray(array), self._source_coords(), order=order,
                                       mode="nearest", prefilter=False)

    def from_frame(self, values: np.ndarray, order: int = 1) -> np.ndarray:
        """Sample frame values back at the array's pixel centres."""
        if self._back is None:
            h, w = self.shape  # a row and a column broadcast, not two full pixel grids
            x = np.arange(w, dtype=np.float64)[None, :] * self.px
            y = -np.arange(h, dtype=np.float64)[:, None] * self.py
            back = np.empty((2, h, w))
            np.divide(x * self.v[0] + y * self.v[1] - self.a0, self.step, out=back[0])
            np.divide(x * self.u[0] + y * self.u[1] - self.r0, self.step, out=back[1])
            self._back = back
        return ndimage.map_coordinates(np.asarray(values), self._back, order=order,
                                       mode="nearest", prefilter=False)
