"""Land cover from terrain: what grows (or lies) where in a mountain landscape.

Why from terrain: optical colour and radar backscatter both follow land cover, and land
cover follows elevation, slope, aspect and valleys. Making it a function of the DEM (plus
noise for irregular borders) gives the translation model the same cues a real scene does.

Rules: lakes are water; flat valley floors hold fields (parcels of several crops), pastures
and a few villages with a street grid; forest covers the slopes up to a tree line (lower on
north-facing slopes), with clearings; above it alpine meadow, scree and rock; snow above a
snow line; cliffs (very steep slopes) are rock at any height.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .noise import smoothstep, spectral_noise

WATER, MEADOW, FIELDS, FOREST, ROCK, SCREE, SNOW, BUILT = 1, 2, 3, 4, 5, 6, 7, 8
LEGEND: dict[int, str] = {0: "nodata", WATER: "water", MEADOW: "meadow", FIELDS: "fields",
                          FOREST: "forest", ROCK: "rock", SCREE: "scree", SNOW: "snow",
                          BUILT: "built-up"}
# Colour table of landcover.tif (QGIS shows it as a paletted layer).
COLOURS: dict[int, tuple[int, int, int, int]] = {
    0: (0, 0, 0, 0), WATER: (30, 80, 200, 255), MEADOW: (170, 210, 90, 255),
    FIELDS: (240, 200, 90, 255), FOREST: (20, 110, 40, 255), ROCK: (130, 130, 130, 255),
    SCREE: (200, 185, 160, 255), SNOW: (250, 250, 255, 255), BUILT: (210, 40, 40, 255)}
# Crops of field parcels (``Cover.crop``): they differ in colour and in backscatter.
BARE_SOIL, GREEN_CROP, RIPE_CROP, GRASSLAND = 0, 1, 2, 3
CROP_WEIGHTS = (0.25, 0.35, 0.2, 0.2)
VIGOUR_SPREAD = 0.22  # spread of the vigour field around 0.5 (the calibration's unit)
STREET_SHARE = 0.3  # about the share of street pixels in a village's grid (``_villages``)


@dataclass
class Cover:
    """Classes (uint8, 0 = nodata) and the within-class states both sensors respond to."""

    classes: np.ndarray
    vigour: np.ndarray  # 0..1: canopy density, grass greenness, roughness of bare ground
    crop: np.ndarray  # crop of each field pixel (BARE_SOIL..GRASSLAND), 0 elsewhere
    streets: np.ndarray  # True on streets inside built-up patches
    wall_azimuth: np.ndarray  # deg, orientation of the street grid (building walls); NaN outside


def slope_aspect(dem: np.ndarray, pixel_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Slope (deg) and northness (cosine of aspect: +1 facing north, -1 facing south)."""
    d_row, d_col = np.gradient(dem.astype(np.float64), pixel_size)
    gx, gy = d_col, -d_row
    grad = np.hypot(gx, gy)
    slope = np.degrees(np.arctan(grad))
    northness = np.where(grad > 1e-9, -gy / np.maximum(grad, 1e-9), 0.0)
    return slope.astype(np.float32), northness.astype(np.float32)


def _local_low(dem: np.ndarray, pixel_size: float, radius_m: float) -> np.ndarray:
    """Lowest height within about ``radius_m`` (computed on a coarser grid for speed)."""
    factor = max(1, int(round(60.0 / pixel_size)))
    h, w = dem.shape
    small = dem[: h - h % factor or h, : w - w % factor or w]
    if factor > 1 and min(small.shape) >= factor:
        small = small.reshape(small.shape[0] // factor, factor, -1, factor).min(axis=(1, 3))
    else:
        factor = 1
    size = max(3, int(2 * radius_m / (pixel_size * factor)) | 1)
    low = ndimage.minimum_filter(small, size=size, mode="nearest")
    rows = np.minimum(np.arange(h) // factor, low.shape[0] - 1)
    cols = np.minimum(np.arange(w) // factor, low.shape[1] - 1)
    return ndimage.gaussian_filter(low, 1.0)[rows[:, None], cols[None, :]]


def crop_parcels(shape: tuple[int, int], pixel_size: float, rng: np.random.Generator) -> np.ndarray:
    """Crop per pixel from a rotated, warped grid of rectangular parcels."""
    h, w = shape
    angle = rng.uniform(0.0, np.pi)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32) * pixel_size
    warp = spectral_noise(shape, pixel_size, rng, beta=2.5, corner_m=800.0) * 25.0
    u = cols * np.cos(angle) + rows * np.sin(angle) + warp
    v = -cols * np.sin(angle) + rows * np.cos(angle) - warp
    length, width = rng.uniform(120.0, 220.0), rng.uniform(40.0, 90.0)
    iu = np.floor(u / length).astype(np.int64)
    iv = np.floor((v + (iu % 3) * width / 3.0) / width).astype(np.int64)
    table = rng.choice(len(CROP_WEIGHTS), size=4096, p=CROP_WEIGHTS).astype(np.uint8)
    return table[(iu * 73856093 ^ iv * 19349663) % 4096]


def _villages(classes: np.ndarray, slope: np.ndarray, lakes: np.ndarray, pixel_size: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Built-up patches on flat valley floor with a street grid: (built, streets, azimuth)."""
    h, w = classes.shape
    built = np.zeros((h, w), bool)
    streets = np.zeros((h, w), bool)
    azimuth = np.full((h, w), np.nan, dtype=np.float32)
    flat = (slope < 8.0) & ~ndimage.binary_dilation(lakes, iterations=3)
    flat &= (classes == FIELDS) | (classes == MEADOW)
    room = ndimage.distance_transform_edt(flat) * pixel_size  # metres to the nearest slope
    if room.max() < 2.0 * pixel_size:
        return built, streets, azimuth
    # Villages stand where the valley floor is widest.
    candidates = np.flatnonzero((room >= 0.6 * min(room.max(), 200.0)).ravel())
    count = int(rng.integers(1, 5)) if h * w * pixel_size ** 2 > 4e6 else 1
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32) * pixel_size
    edge = spectral_noise((h, w), pixel_size, rng, beta=2.0, corner_m=300.0)
    for centre in rng.choice(candidates, size=min(count, candidates.size), replace=False):
        cy, cx = divmod(int(centre), w)
        radius = rng.uniform(150.0, 420.0)
        dist = np.hypot(rows - cy * pixel_size, cols - cx * pixel_size)
        patch = (dist < radius * (1.0 + 0.25 * edge)) & (slope < 12.0) & ~lakes
        theta = rng.uniform(0.0, 90.0)
        spacing = rng.uniform(55.0, 90.0)
        t = np.radians(theta)
        along = cols * np.cos(t) - rows * np.sin(t)
        across = cols * np.sin(t) + rows * np.cos(t)
        road = (np.abs((along % spacing) - spacing / 2) > spacing / 2 - 0.6 * pixel_size) | (
            np.abs((across % spacing) - spacing / 2) > spacing / 2 - 0.6 * pixel_size)
        built |= patch
        streets |= patch & road
        azimuth[patch] = theta
    return built, streets, azimuth


def make_landcover(dem: np.ndarray, lakes: np.ndarray, pixel_size: float,
                   rng: np.random.Generator, valid: np.ndarray | None = None) -> Cover:
    """Classes and states for a DEM (m); ``valid`` False pixels get class 0."""
    shape = dem.shape
    slope, northness = slope_aspect(dem, pixel_size)
    n_zone = spectral_noise(shape, pixel_size, rng, beta=2.0, corner_m=600.0)
    n_forest = spectral_noise(shape, pixel_size, rng, beta=1.8, corner_m=400.0)
    n_rock = spectral_noise(shape, pixel_size, rng, beta=1.8, corner_m=250.0)
    vigour = 0.5 + VIGOUR_SPREAD * spectral_noise(shape, pixel_size, rng, beta=1.6,
                                                  corner_m=300.0)
    relief = float(np.ptp(dem[valid])) if valid is not None and valid.any() else float(np.ptp(dem))
    pool = dem[valid] if valid is not None and valid.any() else dem.ravel()
    if relief > 900.0:
        tree_line = float(np.quantile(pool, rng.uniform(0.55, 0.7)))
        snow_line = float(np.quantile(pool, rng.uniform(0.86, 0.94)))
    else:  # hills: no alpine zone
        tree_line = snow_line = float(pool.max()) + 1e4
    # North faces are colder: tree and snow lines lie about 150 m lower there.
    climate = dem + 150.0 * northness + 60.0 * n_zone
    above_valley = dem - _local_low(dem, pixel_size, 900.0)

    classes = np.full(shape, MEADOW, dtype=np.uint8)
    forest = (n_forest + 1.2 * smoothstep(slope, 8.0, 25.0) - 0.3 > 0.0) & (slope < 48.0)
    classes[forest & (climate < tree_line)] = FOREST
    valley = (above_valley < 90.0 + 40.0 * n_zone) & (slope < 9.0) & (climate < tree_line)
    classes[valley & (n_forest < 0.9)] = FIELDS
    alpine = climate >= tree_line
    classes[alpine] = MEADOW
    scree = alpine & (slope > 22.0) & (n_rock > -0.3)
    classes[scree] = SCREE
    rock = (slope > 46.0 - 4.0 * n_rock) | (alpine & (slope > 33.0) & (n_rock > 0.2))
    rock |= (climate > tree_line + 0.5 * (snow_line - tree_line)) & (slope > 28.0) & (n_rock > 0.0)
    classes[rock] = ROCK
    classes[(climate >= snow_line) & (slope < 50.0)] = SNOW
    classes[lakes] = WATER

    crop = np.where(classes == FIELDS, crop_parcels(shape, pixel_size, rng), 0).astype(np.uint8)
    built, streets, wall_azimuth = _villages(classes, slope, lakes, pixel_size, rng)
    classes[built] = BUILT
    crop[built] = 0
    if valid is not None:
        classes[~valid] = 0
    return Cover(classes=classes, vigour=np.clip(vigour, 0.0, 1.0).astype(np.float32),
                 crop=crop, streets=streets, wall_azimuth=wall_azimuth)
