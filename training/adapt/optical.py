"""Which bands of the optical raster are red, green, blue, and how its values scale.

Bands: given by the user (``4,3,2``), else guessed from the band descriptions (``B4``,
``B04``, ``red``...), else by count (3 bands: RGB in order; 12 or 13 bands: a Sentinel-2
stack, B4, B3, B2 are bands 4, 3, 2 in both the L1C and the L2A order).

Scaling (to [0, 1] for display and training, the convention of every Sardine score):
8-bit / 255; integer reflectance x 10000 / 3000 (reflectance 0..0.3 spans the range),
less the L2A offset of 1000 for processing baseline 04.00 and later; float reflectance
(at most ~1.5) / 0.3. The choice is recorded in the weights' normalisation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rasterio.windows import Window

from ...core.errors import InputError

S2_STACK_RGB = (4, 3, 2)  # B4, B3, B2 in 12-band (L2A) and 13-band (L1C) stacks
REFLECTANCE_DISPLAY = 0.3  # reflectance mapped to 1
L2A_OFFSET = -1000.0
_COLOUR_PATTERNS = {
    "red": re.compile(r"^(b0?4|red|r)(\b|_|$)|\bb0?4\b|\bred\b", re.I),
    "green": re.compile(r"^(b0?3|green|g)(\b|_|$)|\bb0?3\b|\bgreen\b", re.I),
    "blue": re.compile(r"^(b0?2|blue|b)(\b|_|$)|\bb0?2\b|\bblue\b", re.I),
}


@dataclass(frozen=True)
class OpticalScaling:
    """raw -> unit: (raw + offset) / scale, clipped to [0, 1]."""

    kind: str  # "8-bit", "reflectance x 10000", "reflectance x 10000, L2A offset", "float"
    scale: float
    offset: float = 0.0

    def describe(self) -> str:
        return f"{self.kind} (unit = (value + {self.offset:g}) / {self.scale:g})"


def parse_bands(text: str | None) -> tuple[int, int, int] | None:
    """``"4,3,2"`` -> (4, 3, 2); None/empty -> None (guess)."""
    if text is None or str(text).strip() == "":
        return None
    try:
        bands = tuple(int(part) for part in str(text).replace(" ", "").split(","))
    except ValueError:
        raise InputError(f"--optical-bands {text!r} must be three band numbers, red, green, "
                         "blue, e.g. 4,3,2 for a Sentinel-2 stack or 1,2,3 for an RGB "
                         "image.") from None
    if len(bands) != 3:
        raise InputError(f"--optical-bands {text!r} names {len(bands)} band(s); give "
                         "three (red, green, blue), e.g. 4,3,2.")
    return bands  # type: ignore[return-value]


def guess_bands(descriptions: tuple[str | None, ...]) -> tuple[tuple[int, int, int], str]:
    """(red, green, blue) band numbers and how they were chosen."""
    found: dict[str, int] = {}
    for index, text in enumerate(descriptions, start=1):
        label = (text or "").strip()
        if not label:
            continue
        for colour, pattern in _COLOUR_PATTERNS.items():
            if colour not in found and pattern.search(label):
                found[colour] = index
                break
    if len(found) == 3:
        bands = (found["red"], found["green"], found["blue"])
        names = ", ".join(f"{descriptions[b - 1]}={b}" for b in bands)
        return bands, f"from the band descriptions ({names})"
    count = len(descriptions)
    if count == 3:
        return (1, 2, 3), "3 bands: taken as red, green, blue in that order"
    if count in (12, 13):
        return S2_STACK_RGB, f"{count} bands: a Sentinel-2 stack, B4, B3, B2 = bands 4, 3, 2"
    raise InputError(f"Cannot tell which of the optical raster's {count} bands are red, "
                     "green and blue (no B4/B3/B2 or red/green/blue band descriptions); "
                     "choose the red, green and blue band numbers, e.g. 4,3,2.")


def check_bands(bands: tuple[int, int, int], count: int) -> None:
    bad = [b for b in bands if not 1 <= b <= count]
    if bad:
        raise InputError(f"Optical band {bad[0]} is out of range: the optical raster has "
                         f"{count} band(s); choose red, green and blue band numbers "
                         f"from 1 to {count}.")
    if len(set(bands)) != 3:
        raise InputError(f"The optical bands {','.join(map(str, bands))} repeat a band; "
                         "give three different bands (red, green, blue).")


def _baseline_offset(tags: dict[str, str]) -> float | None:
    """The L2A offset stated in the file's metadata, if any."""
    for key, value in tags.items():
        upper = key.upper()
        if "BOA_ADD_OFFSET" in upper or "RADIO_ADD_OFFSET" in upper:
            try:
                return float(value)
            except ValueError:
                continue
        if "PROCESSING_BASELINE" in upper:
            try:
                return L2A_OFFSET if float(value) >= 4.0 else 0.0
            except ValueError:
                continue
    return None


def detect_scaling(src, bands: tuple[int, int, int], nodata: float | None) -> OpticalScaling:
    """Guess the optical value scaling from its data type, tags and a sample of values."""
    dtype = np.dtype(src.dtypes[bands[0] - 1])
    if dtype == np.uint8:
        return OpticalScaling("8-bit", 255.0)
    sample = _sample(src, bands, nodata)
    if np.issubdtype(dtype, np.floating) and sample.size and np.percentile(sample, 99) <= 1.5:
        return OpticalScaling("float reflectance", REFLECTANCE_DISPLAY)
    offset = _baseline_offset({**src.tags(), **src.tags(bands[0])})
    if offset is None:
        # With the L2A offset, even water and shadow sit above 1000 (reflectance 0 = 1000);
        # without it the darkest percent of a land scene is far below.
        offset = L2A_OFFSET if sample.size and np.percentile(sample, 1) >= 1000 else 0.0
    if offset:
        return OpticalScaling("reflectance x 10000, L2A offset", 10000 * REFLECTANCE_DISPLAY,
                              offset)
    return OpticalScaling("reflectance x 10000", 10000 * REFLECTANCE_DISPLAY)


def _sample(src, bands: tuple[int, int, int], nodata: float | None) -> np.ndarray:
    """Valid values of a decimated read (at most ~512 x 512), enough for percentiles."""
    step = max(1, max(src.width, src.height) // 512)
    out_shape = (3, max(1, src.height // step), max(1, src.width // step))
    data = src.read(list(bands), window=Window(0, 0, src.width, src.height),
                    out_shape=out_shape).astype(np.float64)
    ok = np.isfinite(data).all(axis=0) & (data > 0).all(axis=0)
    if nodata is not None and np.isfinite(nodata):
        ok &= (data != nodata).all(axis=0)
    return data[:, ok].ravel()
