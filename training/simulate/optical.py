"""Optical (true colour) image of a scene: class colours, texture, Lambertian hillshade.

Why: the translation model learns to paint what a camera would see, so the target must look
like a stretched Sentinel-2 RGB (B4, B3, B2 scaled so reflectance 0..0.3 spans 0..255):
dark green forest, brighter meadows and fields, grey rock, white snow, dark water, and
slopes lit or shaded by the sun. The colours below are such stretched values on flat ground.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .landcover import (
    BARE_SOIL,
    BUILT,
    FIELDS,
    FOREST,
    GRASSLAND,
    GREEN_CROP,
    MEADOW,
    RIPE_CROP,
    ROCK,
    SCREE,
    SNOW,
    WATER,
    Cover,
)
from .noise import spectral_noise

SUN_AZIMUTH_DEG = 150.0  # Sentinel-2 passes at about 10:30 local time: sun in the south-east
SUN_ELEVATION_DEG = 40.0
AMBIENT = 0.3  # share of diffuse sky light, which also reaches slopes turned from the sun

# (low vigour colour, high vigour colour, texture amplitude)
PALETTE: dict[int, tuple[tuple[float, float, float], tuple[float, float, float], float]] = {
    MEADOW: ((140, 142, 92), (92, 130, 60), 0.07),
    FOREST: ((70, 98, 56), (30, 54, 33), 0.2),
    ROCK: ((140, 134, 124), (118, 113, 106), 0.14),
    SCREE: ((176, 170, 158), (156, 150, 140), 0.08),
    SNOW: ((238, 241, 247), (230, 235, 243), 0.02),
}
CROPS = {BARE_SOIL: (150, 118, 92), GREEN_CROP: (86, 140, 60), RIPE_CROP: (198, 180, 114),
         GRASSLAND: (112, 148, 72)}
WATER_DEEP, WATER_SHALLOW = (20, 36, 50), (42, 64, 66)
ROOFS, ROOFS_GREY, STREETS = (176, 128, 108), (168, 166, 162), (92, 92, 98)


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
