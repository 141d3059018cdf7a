"""Backscatter coefficients (sigma nought, VV and VH) of each land cover class as a function
of the local incidence angle: the per-class angular laws of the simulator.

Why these laws: bare and sparsely covered ground scatters from its surface, whose strength
falls steeply with incidence (Muhleman's law, sigma0 ~ cos t / (sin t + 0.1 cos t)^3);
forest canopies scatter from a volume of branches, nearly isotropically (gamma0 constant:
sigma0 ~ cos t) and with much more cross-polarisation (VH); calm water reflects specularly
away from the sensor (geometric optics with a small rms wave slope); buildings whose walls
face the sensor form dihedral corners (double bounce) that are very bright in VV. Levels and
texture at 39 deg on flat ground come from real Sentinel-1 statistics per class
(``calibration.py``, resources/simulator/real_statistics.json) where the real pairs show the
class; the others keep typical Sentinel-1 IW GRD values set by hand.
"""
from __future__ import annotations

import numpy as np

from ...core.geometry import AcquisitionGeometry
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
    WATER,
    Cover,
)

REF_INCIDENCE_DEG = 39.0
NESZ_DB = -24.0  # Sentinel-1 IW noise-equivalent sigma0, about -22 to -26 dB
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

# Hand-set levels (typical Sentinel-1 IW GRD values): kept for the classes the real pairs do
# not show (rock, scree, snow) and as the shape of the sub-classes (crop offsets).
# class -> (law, VV dB at 39 deg, VH minus VV dB, VV dB per unit vigour, VH dB per unit vigour)
HAND_SET_CLASS_PARAMS: dict[int, tuple[str, float, float, float, float]] = {
    WATER: ("specular", -22.0, -8.0, 0.0, 0.0),
    MEADOW: ("surface", -13.0, -8.0, 2.0, 4.0),
    FOREST: ("volume", -7.5, -5.8, 1.0, 2.5),
    ROCK: ("surface", -10.5, -9.0, 0.0, 0.0),
    SCREE: ("surface", -12.0, -9.5, 0.0, 0.0),
    SNOW: ("snow", -15.0, -7.0, 0.0, 0.0),
    BUILT: ("surface", -7.0, -8.0, 0.0, 0.0),
}
HAND_SET_CROP_PARAMS: dict[int, tuple[str, float, float]] = {
    BARE_SOIL: ("surface", -14.0, -10.0),
    GREEN_CROP: ("volume", -11.0, -6.5),
    RIPE_CROP: ("volume", -12.0, -7.5),
    GRASSLAND: ("surface", -12.5, -8.0),
}
STREETS = ("specular", -17.0, -9.0)
DOUBLE_BOUNCE_DB = 8.0  # extra VV of walls parallel to the flight track
DOUBLE_BOUNCE_WIDTH_DEG = 10.0


def double_bounce_gain(delta_deg: np.ndarray, vh: bool = False) -> np.ndarray:
    """Linear factor of walls at ``delta_deg`` from the flight track (VH gets 30 %)."""
    bounce = 10.0 ** (DOUBLE_BOUNCE_DB / 10.0) * np.exp(-(delta_deg / DOUBLE_BOUNCE_WIDTH_DEG) ** 2)
    return 1.0 + (0.3 if vh else 1.0) * bounce


def _calibrated() -> tuple[dict, dict, float, float]:
    """CLASS_PARAMS, CROP_PARAMS, water wind (dB) and looks from the real statistics
    (training/simulate/calibration.py explains the conversion)."""
    looks = cal.calibrated_looks()
    params = dict(HAND_SET_CLASS_PARAMS)
    for cls, name in ((FOREST, "forest"), (MEADOW, "open"), (WATER, "water")):
        vv, vh_rel, vv_slope, vh_slope = cal.backscatter_row(name, looks, NESZ_DB)
        params[cls] = (HAND_SET_CLASS_PARAMS[cls][0], vv, vh_rel, vv_slope, vh_slope)
    # Water: its texture is the wind field, not vigour.
    law, vv, vh_rel, vv_slope, _ = params[WATER]
    wind_db = vv_slope * cal.VIGOUR_SPREAD
    params[WATER] = (law, vv, vh_rel, 0.0, 0.0)
    # Built-up: the measured mean includes the double bounce of walls at every orientation;
    # streets, one pixel wide, are blurred into their walls' returns at 10 m, so they are
    # left out of the balance.
    delta = np.linspace(0.0, 45.0, 181)
    gain_vv = float(np.mean(10.0 * np.log10(double_bounce_gain(delta))))
    gain_vh = float(np.mean(10.0 * np.log10(double_bounce_gain(delta, vh=True))))
    row = cal.class_row("built")
    base_vv = cal.level_db(row["vv_db_mean"] - gain_vv, looks, NESZ_DB)
    base_vh = cal.level_db(row["vh_db_mean"] - gain_vh, looks, NESZ_DB)
    params[BUILT] = (HAND_SET_CLASS_PARAMS[BUILT][0], base_vv, base_vh - base_vv, 0.0, 0.0)
    # Fields: the hand-set crop differences around the measured open-land level.
    weights = dict(enumerate(CROP_WEIGHTS))
    open_vv, open_rel = params[MEADOW][1], params[MEADOW][2]
    vv_off = cal.offsets({k: v[1] for k, v in HAND_SET_CROP_PARAMS.items()}, weights)
    rel_off = cal.offsets({k: v[2] for k, v in HAND_SET_CROP_PARAMS.items()}, weights)
    crops = {k: (v[0], open_vv + vv_off[k], open_rel + rel_off[k])
             for k, v in HAND_SET_CROP_PARAMS.items()}
    return params, crops, wind_db, looks


CLASS_PARAMS, CROP_PARAMS, WATER_WIND_DB, CALIBRATED_LOOKS = _calibrated()


def _field_slopes() -> tuple[float, float]:
    """VV and VH dB per unit vigour of fields: the measured open-land texture less the
    spread the crop offsets already give."""
    weights = dict(enumerate(CROP_WEIGHTS))
    row = cal.class_row("open")
    var_vv = cal.weighted_var({k: v[1] for k, v in CROP_PARAMS.items()}, weights)
    var_vh = cal.weighted_var({k: v[1] + v[2] for k, v in CROP_PARAMS.items()}, weights)
    return (cal.texture_db(row["vv_db_std"], CALIBRATED_LOOKS, var_vv) / cal.VIGOUR_SPREAD,
            cal.texture_db(row["vh_db_std"], CALIBRATED_LOOKS, var_vh) / cal.VIGOUR_SPREAD)


FIELD_VV_SLOPE, FIELD_VH_SLOPE = _field_slopes()


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
            put(mask, law, vv + FIELD_VV_SLOPE * dv, vv + vh_rel + FIELD_VH_SLOPE * dv)
    built = classes == BUILT
    if built.any():
        streets = built & cover.streets
        law, vv, vh_rel = STREETS
        put(streets, law, vv, vv + vh_rel)
        walls = built & ~cover.streets
        # Walls at the grid's orientation and at 90 deg to it: the dihedral is strongest
        # when a wall runs parallel to the flight track.
        delta = np.abs(((cover.wall_azimuth[walls] - geometry.heading_deg) + 45.0) % 90.0 - 45.0)
        out[0][walls] *= double_bounce_gain(delta)
        out[1][walls] *= double_bounce_gain(delta, vh=True)
    out[:, np.asarray(incidence_deg) >= 90.0] = 0.0
    return out
