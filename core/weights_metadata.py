"""``WeightsMetadata``: what a weights file says about itself besides its tensors (model
and config, normalisation, pixel size, training data, scores, trust calibration), with its
JSON form and the bounds a trained model's numbers must lie in. Apart from the file
handling in ``core/weights.py`` because the ONNX path reads it without torch or
safetensors.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import WeightsError
from .normalization import Normalization
from .trust_calibration import TrustCalibration
from .version import __version__

FORMAT_VERSION = 1
PIXEL_SIZE_RANGE_M = (0.01, 10000.0)  # a weights file's training pixel size


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class WeightsMetadata:
    """Everything translation needs besides the tensors. ``model``/``config`` are filled
    from the model by ``save_weights`` when left empty."""

    model: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    normalization: Normalization = field(default_factory=Normalization)
    pixel_size_m: float = 10.0
    training_data: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    sardine_version: str = __version__
    created: str = field(default_factory=_now_iso)
    extra: dict[str, Any] = field(default_factory=dict)
    # The trust layer's expected-error fit for these weights; None: the fallback
    # (core/trust_calibration.py) is used and the trust band description says so.
    trust_calibration: TrustCalibration | None = None

    @property
    def model_name(self) -> str:
        return self.model

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "model": self.model,
            "config": self.config,
            "normalization": self.normalization.to_dict(),
            "pixel_size_m": float(self.pixel_size_m),
            "training_data": self.training_data,
            "metrics": self.metrics,
            "sardine_version": self.sardine_version,
            "created": self.created,
            "extra": self.extra,
            "trust_calibration": (self.trust_calibration.to_dict()
                                  if self.trust_calibration is not None else None),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "the weights file"
                  ) -> WeightsMetadata:
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise WeightsError(
                f"{source} uses weights format {version!r}, newer than this Sardine "
                f"({__version__}) reads ({FORMAT_VERSION}); update Sardine.")
        try:
            return cls(
                model=str(data["model"]),
                config=dict(data.get("config") or {}),
                normalization=Normalization.from_dict(data["normalization"]),
                pixel_size_m=float(data.get("pixel_size_m", 10.0)),
                training_data=str(data.get("training_data", "")),
                metrics=dict(data.get("metrics") or {}),
                sardine_version=str(data.get("sardine_version", "unknown")),
                created=str(data.get("created", "")),
                extra=dict(data.get("extra") or {}),
                trust_calibration=(TrustCalibration.from_dict(data["trust_calibration"])
                                   if data.get("trust_calibration") is not None else None),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WeightsError(
                f"The metadata of {source} is incomplete or malformed ({exc!r}); re-save the "
                "weights with sardine.core.weights.save_weights.") from None

    def check_bounds(self, source: str) -> WeightsMetadata:
        """Refuse numbers no trained model has: they would make translation divide by zero
        or regrid onto absurd grids."""
        lo, hi = PIXEL_SIZE_RANGE_M
        problems = []
        if not lo <= self.pixel_size_m <= hi:  # also refuses NaN
            problems.append(f"pixel size {self.pixel_size_m} m (expected {lo:g} to {hi:g})")
        norm = self.normalization
        for band, (low, high) in zip(norm.sar_bands, norm.sar_db_ranges, strict=False):
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                problems.append(f"dB range {low}..{high} of {band}")
        if len(norm.sar_db_ranges) != len(norm.sar_bands):
            problems.append(f"{len(norm.sar_db_ranges)} dB ranges for "
                            f"{len(norm.sar_bands)} SAR bands")
        if not 0.0 < norm.dem_max_m < 1e6:
            problems.append(f"DEM scale {norm.dem_max_m} m")
        if not 0.0 < norm.optical_scale < 1e9:
            problems.append(f"optical scale {norm.optical_scale}")
        cal = self.trust_calibration
        if cal is not None and cal.sar_bands_used > len(norm.sar_bands):
            problems.append(f"a trust calibration reading SAR band {cal.sar_bands_used} of "
                            f"{len(norm.sar_bands)}")
        if problems:
            raise WeightsError(f"The metadata of {source} holds impossible values ("
                               + "; ".join(problems) + "); the file was altered or written "
                               "by a faulty tool: re-save the weights with save_weights.")
        return self
