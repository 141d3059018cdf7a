"""Sentinel-1-like SAR image formation over terrain: slant-range binning, layover, shadow,
thermal noise and speckle, geocoded back onto the map grid (like a terrain-corrected GRD).

Why simulate the imaging rather than paint sigma0 per pixel: the distortions the paper
studies come from the radar measuring range. Along each range line every ground sample
(horizontal length ``step``) spreads its returned power over the slant-range interval its
ends map to, R = x sin(theta) - h cos(theta). Binning those powers into slant-range cells
of a flat sample's width and reading each ground sample's cell back gives, with no special
cases: brightening of slopes facing the sensor (several samples share a cell,
foreshortening), returns of different places summed in one cell (layover), stretched dim
back slopes, and empty cells where the terrain is hidden (shadow: only thermal noise).
The value is calibrated like GRD sigma0 (ellipsoid): flat ground reads its own sigma0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...core.distortion.frame import RangeFrame
from ...core.distortion.mask import (
    codes_from_flags,
    fill_nodata,
    local_incidence,
    range_line_flags,
)
from ...core.geometry import AcquisitionGeometry
from .backscatter import CALIBRATED_LOOKS, NESZ_DB, WATER_WIND_DB, sigma0
from .landcover import Cover
from .noise import spectral_noise

# Speckle of the real pairs (median ENL per class, resources/simulator/real_statistics.json);
# Sentinel-1 IW GRD's nominal 4.4 looks rise with the resampling to 10 m.
DEFAULT_LOOKS = CALIBRATED_LOOKS


@dataclass
class SarImage:
    sar_db: np.ndarray  # (2, H, W) float32 VV, VH in dB; NaN where the DEM has no data
    distortion: np.ndarray  # (H, W) uint8 codes of core.distortion
    incidence: np.ndarray  # (H, W) float32 local incidence angle, degrees


def _slant_edges(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slant-range interval (low, high), in cells, covered by each ground sample: from the
    midpoint with its nearer neighbour to the midpoint with its farther one."""
    mid = 0.5 * (s[:, :-1] + s[:, 1:])
    first = 2.0 * s[:, :1] - mid[:, :1]
    last = 2.0 * s[:, -1:] - mid[:, -1:]
    edges = np.concatenate([first, mid, last], axis=1)
    return np.minimum(edges[:, :-1], edges[:, 1:]), np.maximum(edges[:, :-1], edges[:, 1:])


def bin_slant_range(s: np.ndarray, powers: list[np.ndarray]) -> list[np.ndarray]:
    """Power per slant-range cell of each line for every array in ``powers`` (lines, N).

    Each sample's power is spread uniformly over its slant interval. The cumulative power
    along a line is piecewise linear with kinks at the interval ends, so adding each kink's
    slope change to the two cells around it (linear weights) and taking one cumulative sum
    gives every cell's exact share, in O(N) per line."""
    lines = s.shape[0]
    cells = int(math.ceil(float(s.max()))) + 3
    low, high = _slant_edges(s)
    width = np.maximum(high - low, 1e-3)
    base = (np.arange(lines, dtype=np.int64) * cells)[:, None]
    kinks = []
    for pos, sign in ((low, 1.0), (high, -1.0)):
        cell = np.floor(pos).astype(np.int64)
        frac = pos - cell
        kinks.append(((base + cell).ravel(), sign * (1.0 - frac).ravel()))
        kinks.append(((base + cell + 1).ravel(), sign * frac.ravel()))
    out = []
    for power in powers:
        density = (power / width).ravel()
        acc = np.zeros(lines * cells)
        for index, weight in kinks:
            acc += np.bincount(index, weights=density * weight, minlength=lines * cells)
        out.append(np.cumsum(acc.reshape(lines, cells), axis=1))
    return out


def read_slant_range(cells: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Value of each ground sample: its slant position read from the cells (cell n spans
    [n, n + 1)), interpolated linearly between cell centres."""
    q = s - 0.5
    i = np.floor(q).astype(np.int64)
    f = q - i
    rows = np.arange(s.shape[0])[:, None]
    return cells[rows, i] * (1.0 - f) + cells[rows, i + 1] * f


def simulate_sar(dem: np.ndarray, cover: Cover, pixel_size: float,
                 geometry: AcquisitionGeometry, rng: np.random.Generator,
                 looks: float = DEFAULT_LOOKS, valid: np.ndarray | None = None) -> SarImage:
    """VV and VH backscatter (dB) of a scene, its distortion codes and local incidence."""
    usable = np.isfinite(dem) if valid is None else (valid & np.isfinite(dem))
    filled = fill_nodata(dem, usable)
    px = (float(pixel_size), float(pixel_size))
    theta = math.radians(geometry.incidence_deg)
    incidence = local_incidence(filled, px, geometry)
    d_row, d_col = np.gradient(filled, pixel_size)
    area = np.sqrt(1.0 + d_row * d_row + d_col * d_col)  # true surface per map area
    wind = WATER_WIND_DB * spectral_noise(dem.shape, pixel_size, rng, beta=2.0, corner_m=1500.0)
    power = sigma0(cover, incidence, geometry, wind) * area[None]

    frame = RangeFrame(dem.shape, px, geometry.look_azimuth_deg)
    heights = frame.to_frame(filled)
    known = frame.inside()
    layover, shadow = range_line_flags(heights, frame.ground_range(), geometry.incidence_deg,
                                       known)
    step = frame.step
    # Slant range in cells of a flat sample's width (step sin theta).
    s = frame.ground_range()[None, :] / step - heights / (step * math.tan(theta))
    s = s - s.min() + 2.0
    lit = (known & ~shadow).astype(np.float64)
    cells = bin_slant_range(s, [frame.to_frame(p) * lit for p in power])
    geocoded = np.stack([frame.from_frame(read_slant_range(c, s)) for c in cells])

    noise_floor = 10.0 ** (NESZ_DB / 10.0)
    speckle = rng.gamma(looks, 1.0 / looks, size=geocoded.shape)
    intensity = (np.maximum(geocoded, 0.0) + noise_floor) * speckle
    sar_db = (10.0 * np.log10(intensity)).astype(np.float32)
    sar_db[:, ~usable] = np.nan
    codes = codes_from_flags(frame, layover, shadow, filled, px, geometry, usable)
    incidence[~usable] = np.nan
    return SarImage(sar_db=sar_db, distortion=codes, incidence=incidence)
