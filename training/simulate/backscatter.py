"""Backscatter coefficients (sigma nought, VV and VH) of each land cover class as a function
of the local incidence angle: the per-class angular laws of the simulator.

Why these laws: bare and sparsely covered ground scatters from its surface, whose strength
falls steeply with incidence (Muhleman's law, sigma0 ~ cos t / (sin t + 0.1 cos t)^3);
forest canopies scatter from a volume of branches, nearly isotropically (gamma0 constant:
sigma0 ~ cos t) and with much more cross-polarisation (VH); calm water reflects specularly
away from the sensor (geometric optics with a small rms wave slope); buildings whose walls
face the sensor form dihedral corners (double bounce) that are very bright in VV. Levels are
set at 39 deg on flat ground to typical Sentinel-1 IW GRD values.
"""
from __future__ import annotations

import numpy as np

from ...core.geometry import AcquisitionGeometry
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

REF_INCIDENCE_DEG = 39.0
WATER_RMS_SLOPE = 0.2


def muhleman(theta: np.ndarray) -> np.ndarray:
    """Surface scattering of rough natural ground (Muhleman 1964)."""
    return np.cos(theta) / (np.sin(theta) + 0.1 * np.cos(theta)) ** 3


def volume(theta: np.ndarray) -> np.ndarray:
    """Volume scattering of a canopy: constant gamma0, so sigma0 follows cos(theta)."""
    return np.cos(theta)


def specular(theta: np.ndarray) -> np.ndarray:
    """Quasi-specular reflection of a water surface (geometric optics, rms slope s)."""
    s2 = WATER_RMS_SLOPE ** 2
    cos = np.maximum(np.cos(theta), 1e-3)
    return np.exp(-np.tan(theta) ** 2 / (2.0 * s2)) / (2.0 * s2 * cos ** 4)


def dry_snow(theta: np.ndarray) -> np.ndarray:
    """Dry snow: weak surface term plus volume scattering in the pack."""
    return 0.5 * muhleman(theta) / muhleman(np.radians(REF_INCIDENCE_DEG)) + 0.5 * np.cos(theta)


LAWS = {"surface": muhleman, "volume": volume, "specular": specular, "snow": dry_snow}

# class -> (law, VV dB at 39 deg, VH minus VV dB, VV dB per unit vigour, VH dB per unit vigour)
CLASS_PARAMS: dict[int, tuple[str, float, float, float, float]] = {
    WATER: ("specular", -22.0, -8.0, 0.0, 0.0),
    MEADOW: ("surface", -13.0, -8.0, 2.0, 4.0),
    FOREST: ("volume", -7.5, -5.8, 1.0, 2.5),
    ROCK: ("surface", -10.5, -9.0, 0.0, 0.0),
    SCREE: ("surface", -12.0, -9.5, 0.0, 0.0),
    SNOW: ("snow", -15.0, -7.0, 0.0, 0.0),
    BUILT: ("surface", -7.0, -8.0, 0.0, 0.0),
}
CROP_PARAMS: dict[int, tuple[str, float, float]] = {
    BARE_SOIL: ("surface", -14.0, -10.0),
    GREEN_CROP: ("volume", -11.0, -6.5),
    RIPE_CROP: ("volume", -12.0, -7.5),
    GRASSLAND: ("surface", -12.5, -8.0),
}
STREETS = ("specular", -17.0, -9.0)
DOUBLE_BOUNCE_DB = 8.0  # extra VV of walls parallel to the flight track
DOUBLE_BOUNCE_WIDTH_DEG = 10.0


def _law_ratio(law: str, theta_loc: np.ndarray) -> np.ndarray:
    fn = LAWS[law]
    return fn(theta_loc) / fn(np.radians(REF_INCIDENCE_DEG))


def sigma0(cover: Cover, incidence_deg: np.ndarray, geometry: AcquisitionGeometry,
           wind: np.ndarray | None = None) -> np.ndarray:
    """(2, H, W) linear sigma0 (VV, VH) per unit of true surface area; 0 where the surface
    faces away from the sensor (local incidence at or beyond 90 deg) or has no class.
    ``wind`` (dB, optional) roughens or calms water surfaces in patches."""
    classes, vigour = cover.classes, cover.vigour
    theta = np.radians(np.clip(incidence_deg, 0.0, 89.9))
    out = np.zeros((2, *classes.shape), dtype=np.float64)

    def put(mask: np.ndarray, law: str, vv_db, vh_db) -> None:
        ratio = _law_ratio(law, theta[mask])
        out[0][mask] = 10.0 ** (np.asarray(vv_db) / 10.0) * ratio
        out[1][mask] = 10.0 ** (np.asarray(vh_db) / 10.0) * ratio

    for cls, (law, vv, vh_rel, vv_slope, vh_slope) in CLASS_PARAMS.items():
        mask = classes == cls
        if mask.any():
            dv = vigour[mask] - 0.5
            vv_db = vv + vv_slope * dv
            vh_db = vv + vh_rel + vh_slope * dv
            if cls == WATER and wind is not None:
                vv_db, vh_db = vv_db + wind[mask], vh_db + wind[mask]
            put(mask, law, vv_db, vh_db)
    fields = classes == FIELDS
    for crop, (law, vv, vh_rel) in CROP_PARAMS.items():
        mask = fields & (cover.crop == crop)
        if mask.any():
            dv = vigour[mask] - 0.5
            put(mask, law, vv + 1.5 * dv, vv + vh_rel + 2.5 * dv)
    built = classes == BUILT
    if built.any():
        streets = built & cover.streets
        law, vv, vh_rel = STREETS
        put(streets, law, vv, vv + vh_rel)
        walls = built & ~cover.streets
        # Walls at the grid's orientation and at 90 deg to it: the dihedral is strongest
        # when a wall runs parallel to the flight track.
        delta = np.abs(((cover.wall_azimuth[walls] - geometry.heading_deg) + 45.0) % 90.0 - 45.0)
        bounce = 10.0 ** (DOUBLE_BOUNCE_DB / 10.0) * np.exp(-(delta / DOUBLE_BOUNCE_WIDTH_DEG) ** 2)
        out[0][walls] *= 1.0 + bounce
        out[1][walls] *= 1.0 + 0.3 * bounce
    out[:, np.asarray(incidence_deg) >= 90.0] = 0.0
    return out
