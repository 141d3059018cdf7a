"""SAR geometric distortion masks (foreshortening, layover, shadow) and the local incidence
angle, from a DEM and the acquisition geometry.

Why: radar measures range, so terrain that rises towards the sensor is compressed
(foreshortening) or folded over (layover), and terrain behind steep slopes gets no signal
(shadow). The paper evaluates translation quality separately in these regions, and the
simulator needs the same geometry to form its SAR images.

Algorithm (``shared/design/models.md``): the DEM is sampled along range lines (any look
direction, see ``frame.RangeFrame``); on each line, with ground range x and
height h, slant range R = x sin(theta) - h cos(theta) and the ray-normal coordinate
E = x cos(theta) + h sin(theta). Layover where R is not increasing: a nearer sample has a
larger-or-equal R (running max, near to far) or a farther one a smaller-or-equal R (running
min, far to near), which marks the active and the passive layover. Shadow where E is at or
below the running max of E of the nearer samples. Foreshortening on slopes facing the sensor
whose local incidence lies between 0 and theta - 5 deg, outside layover (the margin keeps
slopes tilted a few degrees towards the sensor, compressed by less than about 13 %, out of
the mask; ``min_tilt_deg`` sets it).

Codes (``codes.py``; one per pixel, precedence layover > shadow > foreshortening):
0 none, 1 foreshortening, 2 layover, 3 shadow, 255 nodata.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ..geometry import AcquisitionGeometry
from .codes import FORESHORTENING, LAYOVER, NODATA, NONE, SHADOW
from .frame import RangeFrame

FORESHORTENING_MIN_TILT_DEG = 5.0


def _gradients(dem: np.ndarray, pixel_size: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Height gradients (dh/d east, dh/d north), dimensionless."""
    px, py = float(pixel_size[0]), float(pixel_size[1])
    d_row, d_col = np.gradient(np.asarray(dem, dtype=np.float64), py, px)
    return np.asarray(d_col), -np.asarray(d_row)


def _look_unit(geometry: AcquisitionGeometry) -> tuple[float, float]:
    phi = math.radians(geometry.look_azimuth_deg)
    return math.sin(phi), math.cos(phi)


def local_incidence(dem: np.ndarray, pixel_size: tuple[float, float],
                    geometry: AcquisitionGeometry) -> np.ndarray:
    """Angle (degrees, float32) between each DEM facet's normal and the direction to the
    sensor: theta on flat ground, smaller on slopes facing the sensor, above 90 on slopes
    turned away beyond grazing. NaN heights give NaN."""
    return _incidence(*_gradients(dem, pixel_size), geometry)


def _incidence(gx: np.ndarray, gy: np.ndarray, geometry: AcquisitionGeometry) -> np.ndarray:
    """``local_incidence`` from the height gradients (computed once per mask)."""
    ux, uy = _look_unit(geometry)
    theta = math.radians(geometry.incidence_deg)
    norm = np.sqrt(1.0 + gx * gx + gy * gy)
    cos_loc = (math.sin(theta) * (gx * ux + gy * uy) + math.cos(theta)) / norm
    return np.degrees(np.arccos(np.clip(cos_loc, -1.0, 1.0))).astype(np.float32)


def range_slope(dem: np.ndarray, pixel_size: tuple[float, float],
                geometry: AcquisitionGeometry) -> np.ndarray:
    """Height gain per metre of ground range (positive: the slope faces the sensor)."""
    return _range_slope(*_gradients(dem, pixel_size), geometry)


def _range_slope(gx: np.ndarray, gy: np.ndarray, geometry: AcquisitionGeometry
                 ) -> np.ndarray:
    ux, uy = _look_unit(geometry)
    return gx * ux + gy * uy


def _exclusive_running(values: np.ndarray, reverse: bool, use_max: bool) -> np.ndarray:
    """Running max (or min) along axis 1 of the samples strictly before each sample
    (after it when ``reverse``)."""
    fill = -np.inf if use_max else np.inf
    ufunc = np.maximum if use_max else np.minimum
    data = values[:, ::-1] if reverse else values
    acc = ufunc.accumulate(data, axis=1)
    out = np.empty_like(acc)
    out[:, 0] = fill
    out[:, 1:] = acc[:, :-1]
    return out[:, ::-1] if reverse else out


def range_line_flags(heights: np.ndarray, ground_range: np.ndarray, incidence_deg: float,
                     known: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(layover, shadow) booleans for range lines: rows of ``heights`` (m) sampled at
    ``ground_range`` (m, near to far). Samples not ``known`` neither cast nor receive."""
    theta = math.radians(incidence_deg)
    h = np.asarray(heights, dtype=np.float64)
    known = np.ones(h.shape, bool) if known is None else known
    x = np.asarray(ground_range, dtype=np.float64)[None, :]
    slant = x * math.sin(theta) - h * math.cos(theta)
    normal = x * math.cos(theta) + h * math.sin(theta)
    tol = 1e-6 * float(np.max(np.diff(ground_range))) if x.shape[1] > 1 else 1e-6
    before_max = _exclusive_running(np.where(known, slant, -np.inf), False, True)
    after_min = _exclusive_running(np.where(known, slant, np.inf), True, False)
    layover = known & ((before_max >= slant - tol) | (after_min <= slant + tol))
    shadow_ref = _exclusive_running(np.where(known, normal, -np.inf), False, True)
    shadow = known & (normal <= shadow_ref + tol)
    return layover, shadow


def fill_nodata(dem: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Copy of ``dem`` (float64) with invalid pixels set to their nearest valid height, so
    gradients and sampling near holes stay finite; holes are masked again afterwards."""
    dem = np.asarray(dem, dtype=np.float64)
    if valid.all():
        return dem.copy()
    idx = ndimage.distance_transform_edt(~valid, return_distances=False, return_indices=True)
    return dem[tuple(idx)]


def compute_distortion(dem: np.ndarray, pixel_size: tuple[float, float],
                       geometry: AcquisitionGeometry,
                       valid: np.ndarray | None = None, *,
                       min_tilt_deg: float = FORESHORTENING_MIN_TILT_DEG) -> np.ndarray:
    """Distortion codes (uint8, see module doc) for a north-up DEM array in metres.

    ``pixel_size`` is (x, y) in metres; ``valid`` marks usable heights (default: finite);
    foreshortening needs a local incidence at least ``min_tilt_deg`` below theta.
    Terrain outside the array is unknown, so pixels near the edges only see the terrain
    inside it; give a margin along range when cutting windows.
    """
    dem = np.asarray(dem)
    usable = np.isfinite(dem) if valid is None else (np.asarray(valid, bool) & np.isfinite(dem))
    if not usable.any():
        return np.full(dem.shape, NODATA, dtype=np.uint8)
    filled = fill_nodata(dem, usable)
    frame = RangeFrame(dem.shape, pixel_size, geometry.look_azimuth_deg)
    heights = frame.to_frame(filled)
    known = frame.inside()
    if not usable.all():  # a frame of all-usable heights is known wherever it is inside
        known &= frame.to_frame(usable.astype(np.float32)) > 0.5
    layover, shadow = range_line_flags(heights, frame.ground_range(), geometry.incidence_deg,
                                       known)
    return codes_from_flags(frame, layover, shadow, filled, pixel_size, geometry, usable,
                            min_tilt_deg)


def codes_from_flags(frame: RangeFrame, layover: np.ndarray, shadow: np.ndarray,
                     filled: np.ndarray, pixel_size: tuple[float, float],
                     geometry: AcquisitionGeometry, usable: np.ndarray,
                     min_tilt_deg: float = FORESHORTENING_MIN_TILT_DEG) -> np.ndarray:
    """Distortion codes on the DEM's pixels from range-line flags computed on ``frame``
    (shared with the SAR simulator, which needs the same flags to form its image)."""
    # Both flags in one nearest-neighbour pass (bit 0 layover, bit 1 shadow): nearest
    # sampling picks the same frame sample for either, so this equals two passes.
    flags = frame.from_frame(layover.astype(np.uint8) | (shadow.astype(np.uint8) << 1),
                             order=0)
    layover_px, shadow_px = (flags & 1).astype(bool), (flags & 2).astype(bool)
    gx, gy = _gradients(filled, pixel_size)  # once for the slope and the incidence
    facing = _range_slope(gx, gy, geometry) > 1e-9
    limit = geometry.incidence_deg - min_tilt_deg
    fore = np.zeros(facing.shape, bool)  # the incidence only where it matters: facing
    fore[facing] = _incidence(gx[facing], gy[facing], geometry) < limit
    codes = np.where(layover_px, LAYOVER,
                     np.where(shadow_px, SHADOW, np.where(fore, FORESHORTENING, NONE)))
    out = np.full(filled.shape, NODATA, dtype=np.uint8)
    out[usable] = codes[usable]
    return out
