"""Input/output scaling shared by training and translation.

The same ``Normalization`` is written into every weights file, so translation repeats
training's preprocessing exactly: SAR in dB clipped per band to a range and scaled to
[0, 1]; DEM in metres divided by a recorded maximum elevation; optical RGB in [0, 1].
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

# Sentinel-1 GRD backscatter ranges that hold almost all land pixels, slopes facing
# the sensor included (foreshortening brightens VV to about +5 dB).
DEFAULT_DB_RANGES: dict[str, tuple[float, float]] = {
    "VV": (-25.0, 5.0),
    "VH": (-32.0, -5.0),
    "HH": (-25.0, 5.0),
    "HV": (-32.0, -5.0),
}


@dataclass(frozen=True)
class Normalization:
    sar_bands: tuple[str, ...] = ("VV", "VH")
    sar_db_ranges: tuple[tuple[float, float], ...] = field(
        default_factory=lambda: (DEFAULT_DB_RANGES["VV"], DEFAULT_DB_RANGES["VH"]))
    dem_max_m: float = 4000.0
    optical_scale: float = 255.0  # uint8 optical / optical_scale -> [0, 1]
    optical_offset: float = 0.0  # added before scaling (Sentinel-2 L2A >= 04.00: -1000)

    @classmethod
    def for_bands(cls, bands: tuple[str, ...], dem_max_m: float = 4000.0) -> Normalization:
        ranges = tuple(DEFAULT_DB_RANGES.get(b.upper(), (-30.0, 5.0)) for b in bands)
        return cls(sar_bands=tuple(bands), sar_db_ranges=ranges, dem_max_m=dem_max_m)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sar_bands"] = list(self.sar_bands)
        data["sar_db_ranges"] = [list(r) for r in self.sar_db_ranges]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Normalization:
        return cls(
            sar_bands=tuple(data["sar_bands"]),
            sar_db_ranges=tuple((float(r[0]), float(r[1])) for r in data["sar_db_ranges"]),
            dem_max_m=float(data["dem_max_m"]),
            optical_scale=float(data.get("optical_scale", 255.0)),
            optical_offset=float(data.get("optical_offset", 0.0)),
        )

    def sar_to_unit(self, sar_db: np.ndarray) -> np.ndarray:
        """(C, H, W) dB -> float32 in [0, 1]; NaN stays NaN so callers can mask it."""
        out = np.empty(sar_db.shape, dtype=np.float32)
        for i, (lo, hi) in enumerate(self.sar_db_ranges):
            band = np.clip(sar_db[i].astype(np.float32), lo, hi)
            out[i] = (band - lo) / (hi - lo)
        return out

    def optical_to_unit(self, optical: np.ndarray) -> np.ndarray:
        """Raw optical values -> float32 in [0, 1] (offset added, divided by the scale)."""
        values = (optical.astype(np.float32) + np.float32(self.optical_offset))
        return np.clip(values / np.float32(self.optical_scale), 0.0, 1.0)

    def dem_to_unit(self, dem_m: np.ndarray) -> np.ndarray:
        return (dem_m.astype(np.float32) / np.float32(self.dem_max_m)).astype(np.float32)


def linear_to_db(values: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    return (10.0 * np.log10(np.maximum(values.astype(np.float32), floor))).astype(np.float32)


def looks_linear(sample: np.ndarray) -> bool:
    """Heuristic: backscatter in dB is mostly negative; linear power is never negative
    and mostly below 1. A sample with no negative values and a median below 2 is linear."""
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        return False
    return bool(finite.min() >= 0.0 and np.median(finite) < 2.0)
