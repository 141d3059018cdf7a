"""Which optical pixels are unknown ground: clouds, their shadows, snow, no data.

Two sources, both warped onto the SAR grid by the site reader: a Sentinel-2 scene
classification (SCL, classes below) or any mask where a non-zero value means "leave out".
The optical raster's own nodata is always left out as well.
"""
from __future__ import annotations

import numpy as np

# Sentinel-2 L2A scene classification: 0 no data, 1 saturated/defective, 3 cloud shadow,
# 8 cloud (medium probability), 9 cloud (high probability), 10 thin cirrus, 11 snow.
# Kept: 2 dark area, 4 vegetation, 5 bare soil, 6 water, 7 unclassified.
SCL_EXCLUDED = (0, 1, 3, 8, 9, 10, 11)


def clear_from_scl(scl: np.ndarray) -> np.ndarray:
    """True where the SCL class is usable ground."""
    values = np.nan_to_num(scl, nan=0).astype(np.int64)
    return ~np.isin(values, SCL_EXCLUDED)


def clear_from_mask(mask: np.ndarray) -> np.ndarray:
    """True where the mask is zero (any non-zero value marks a pixel to leave out);
    NaN (outside the mask raster) is left out too."""
    return np.isfinite(mask) & (mask == 0)


MASK_READERS = {"scl": clear_from_scl, "mask": clear_from_mask}
