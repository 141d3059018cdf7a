"""Guess which raster bands hold VV and VH from their names, so the analyst rarely has to
pick bands by hand (Sentinel-1 products name them ``VV``/``VH``, ``Sigma0_VV_db``, ...)."""
from __future__ import annotations

import re


def _has_token(name: str, token: str) -> bool:
    """``token`` as a word of ``name``; underscores, dashes and digits separate words."""
    return re.search(rf"(?<![a-z]){token}(?![a-z])", name.lower()) is not None


def guess_polarisation_bands(names: list[str]) -> tuple[int, int]:
    """1-based (VV, VH) band numbers from band names; bands 1 and 2 when names say nothing."""
    vv = next((i for i, n in enumerate(names, 1) if _has_token(n, "vv")), None)
    vh = next((i for i, n in enumerate(names, 1) if _has_token(n, "vh") and i != vv), None)
    count = len(names)
    if vv is None:
        vv = next((i for i in range(1, count + 1) if i != vh), 1)
    if vh is None:
        vh = next((i for i in range(1, count + 1) if i != vv), min(2, max(count, 1)))
    return vv, vh
