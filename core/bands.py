"""Which raster bands hold VV and VH, guessed from their names, so the analyst rarely has to
pick bands by hand (Sentinel-1 products name them ``VV``/``VH``, SNAP ``Sigma0_VV_db``, ...).

One guess for every front end (CLI, Processing, dock), which also says whether it read the
names or fell back to band order, so a wrong guess on unnamed bands is not silent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BandGuess:
    """1-based VV and VH band numbers; ``from_names`` False means band order was assumed."""

    vv: int
    vh: int
    from_names: bool

    @property
    def bands(self) -> tuple[int, int]:
        return self.vv, self.vh

    def describe(self) -> str:
        """One line for the analyst: what was picked, and how."""
        how = ("read from the band names" if self.from_names else
               "a fallback: the band names do not say VV and VH, so check them")
        return f"VV band {self.vv}, VH band {self.vh} ({how})"


def _has_token(name: str, token: str) -> bool:
    """``token`` as a word of ``name``; underscores, dashes and digits separate words."""
    return re.search(rf"(?<![a-z]){token}(?![a-z])", name.lower()) is not None


def guess_polarisation_bands(names: list[str]) -> BandGuess:
    """VV and VH from band names; the first two bands (in order) for what names do not say."""
    vv = next((i for i, n in enumerate(names, 1) if _has_token(n, "vv")), None)
    vh = next((i for i, n in enumerate(names, 1) if _has_token(n, "vh") and i != vv), None)
    from_names = vv is not None and vh is not None
    count = len(names)
    if vv is None:
        vv = next((i for i in range(1, count + 1) if i != vh), 1)
    if vh is None:  # a one-band file: band 2, which the checks then say does not exist
        vh = next((i for i in range(1, count + 1) if i != vv), 2 if vv == 1 else 1)
    return BandGuess(vv, vh, from_names)


def band_names(path: str | Path) -> list[str]:
    """The band descriptions of a raster file; empty when it cannot be opened (the run's
    checks then say why)."""
    try:
        import rasterio
        from rasterio.errors import RasterioError
    except ImportError:
        return []

    try:
        with rasterio.open(path) as ds:
            return [d or "" for d in ds.descriptions]
    except (RasterioError, OSError):
        return []
