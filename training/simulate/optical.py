"""Optical (true colour) image of a scene: class colours, texture, Lambertian hillshade.

Why: the translation model learns to paint what a camera would see, so the target must look
like a stretched Sentinel-2 RGB (B4, B3, B2 scaled so reflectance 0..0.3 spans 0..255):
dark green forest, brighter meadows and fields, grey rock, white snow, dark water, and
slopes lit or shaded by the sun. The colours are such stretched values on flat ground,
measured on real Sentinel-2 pairs per class where they show it (``calibration.py``).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from . import calibration as cal
from .landcover import (
    BARE_SOIL,
    BUILT,
    CROP_WEIGHTS,
    FIELDS,
    FOREST,
    GRASSLAND,
    GREEN_CROP,
    MEADOW,
    RIPE_CROP,
    ROCK,
    SCREE,
    SNOW,
    STREET_SHARE,
    WATER,
    Cover,
)
from .noise import spectral_noise

SUN_AZIMUTH_DEG = 150.0  # Sentinel-2 passes at about 10:30 local time: sun in the south-east
SUN_ELEVATION_DEG = 40.0
AMBIENT = 0.3  # share of diffuse sky light, which also reaches slopes turned from the sun

# Hand-set stretched colours on flat ground: kept for the classes the real pairs do not show
# (rock, scree, snow) and as the directions of variation of the calibrated ones.
# (low vigour colour, high vigour colour, texture amplitude)
HAND_SET_PALETTE: dict[int, tuple[tuple[float, float, float], tuple[float, float, float],
                                  float]] = {
    MEADOW: ((140, 142, 92), (92, 130, 60), 0.07),
    FOREST: ((70, 98, 56), (30, 54, 33), 0.2),
    ROCK: ((140, 134, 124), (118, 113, 106), 0.14),
    SCREE: ((176, 170, 158), (156, 150, 140), 0.08),
    SNOW: ((238, 241, 247), (230, 235, 243), 0.02),
}
HAND_SET_CROPS = {BARE_SOIL: (150, 118, 92), GREEN_CROP: (86, 140, 60),
                  RIPE_CROP: (198, 180, 114), GRASSLAND: (112, 148, 72)}
HAND_SET_WATER = ((20, 36, 50), (42, 64, 66))  # deep, shallow
HAND_SET_BUILT = ((176, 128, 108), (168, 166, 162), (92, 92, 98))  # roofs, grey roofs, streets


def _calibrated() -> tuple[dict, dict, tuple, tuple, tuple, tuple, tuple]:
    """Palette, crop colours, water (deep, shallow) and built-up colours whose means and
    spreads match the real statistics (calibration.py)."""
    palette = dict(HAND_SET_PALETTE)
    for cls, name in ((MEADOW, "open"), (FOREST, "forest")):
        palette[cls] = cal.palette_entry(name, *HAND_SET_PALETTE[cls])
    crops = cal.scaled_offsets("open", HAND_SET_CROPS, dict(enumerate(CROP_WEIGHTS)))
    # Measured water pixels lie inside water bodies (eroded masks): the deep colour.
    deep = cal.colour_255("water")
    step = np.subtract(HAND_SET_WATER[1], HAND_SET_WATER[0])
    shallow = np.clip(deep + step, 1.0, 255.0)
    roofs, grey, streets = (np.asarray(c, float) for c in HAND_SET_BUILT)
    hand_mean = (1.0 - STREET_SHARE) * (roofs + grey) / 2.0 + STREET_SHARE * streets
    shift = cal.colour_255("built") - hand_mean
    built = tuple(tuple(map(float, np.clip(c + shift, 1.0, 255.0))) for c in (roofs, grey, streets))
    return (palette, crops, tuple(map(float, deep)), tuple(map(float, shallow)), *built)


PALETTE, CROPS, WATER_DEEP, WATER_SHALLOW, ROOFS, ROOFS_GREY, STREETS = _calibrated()


def hillshade(dem: np.ndarray, pixel_size: float, azimuth_deg: float = SUN_AZIMUTH_DEG,
              elevation_deg: float = SUN_ELEVATION_DEG) -> np.ndarray:
    """Lambertian illumination relative to flat ground (1 on flat, 0 facing away)."""
    d_row, d_col = np.gradient(dem.astype(np.float64), pixel_size)
    gx, gy = d_col, -d_row
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    sx, sy, sz = math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)
    cos_i = (-gx * sx - gy * sy + sz) / np.sqrt(1.0 + gx * gx + gy * gy)
    return (np.clip(cos_i, 0.0, None) / sz).astype(np.float32)


def render_optical(dem: np.ndarray, cover: Cover, pixel_size: float, rng: np.random.Generator,
                   sun_azimuth_deg: float = SUN_AZIMUTH_DEG,
                   sun_elevation_deg: float = SUN_ELEVATION_DEG) -> np.ndarray:
    """(3, H, W) uint8 RGB; nodata pixels (class 0) are 0, valid ones at least 1."""
    shape = dem.shape
    classes, vigour = cover.classes, cover.vigour
    fine = spectral_noise(shape, pixel_size, rng, beta=0.9, corner_m=40.0)
    medium = spectral_noise(shape, pixel_size, rng, beta=1.6, corner_m=200.0)
    rgb = np.zeros((3, *shape), dtype=np.float32)
    texture = np.ones(shape, dtype=np.float32)
    for cls, (low, high, amp) in PALETTE.items():
        mask = classes == cls
        if not mask.any():
            continue
        v = vigour[mask]
        for band in range(3):
            rgb[band][mask] = low[band] + (high[band] - low[band]) * v
        texture[mask] = 1.0 + amp * (0.7 * fine[mask] + 0.5 * medium[mask])
    fields = classes == FIELDS
    for crop, colour in CROPS.items():
        mask = fields & (cover.crop == crop)
        for band in range(3):
            rgb[band][mask] = colour[band]
    texture[fields] = 1.0 + 0.05 * fine[fields] + 0.08 * (vigour[fields] - 0.5)
    built = classes == BUILT
    roof_colour = np.where(medium > 0.3, 1.0, 0.0)
    for band in range(3):
        roofs = ROOFS[band] * roof_colour + ROOFS_GREY[band] * (1.0 - roof_colour)
        rgb[band][built] = np.where(cover.streets, STREETS[band], roofs)[built]
    texture[built] = 1.0 + 0.15 * fine[built]
    water = classes == WATER
    if water.any():
        depth = np.clip(ndimage.distance_transform_edt(water) * pixel_size / 60.0, 0.0, 1.0)
        for band in range(3):
            colour = WATER_SHALLOW[band] + (WATER_DEEP[band] - WATER_SHALLOW[band]) * depth
            rgb[band][water] = colour[water]
        texture[water] = 1.0 + 0.02 * medium[water]
    light = AMBIENT + (1.0 - AMBIENT) * hillshade(dem, pixel_size, sun_azimuth_deg,
                                                  sun_elevation_deg)
    light[water] = 1.0  # a lake surface is flat
    out = np.clip(rgb * (texture * light)[None], 1.0, 255.0)
    out[:, classes == 0] = 0.0
    return np.round(out).astype(np.uint8)
