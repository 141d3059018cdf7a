"""Acquisition geometry of a SAR image: what the distortion masks and the simulator need."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .errors import InputError

LOOKS = ("right", "left")


@dataclass(frozen=True)
class AcquisitionGeometry:
    """``heading_deg``: platform flight direction, clockwise from grid north (Sentinel-1
    descending is about 190, ascending about 350). ``look``: side the antenna looks to
    (Sentinel-1 is right-looking). ``incidence_deg``: incidence angle on flat ground."""

    incidence_deg: float = 39.0
    heading_deg: float = 190.0
    look: str = "right"

    def __post_init__(self) -> None:
        if not math.isfinite(float(self.heading_deg)):
            raise InputError(f"Heading {self.heading_deg} deg is not a finite angle; give "
                             "degrees clockwise from north (Sentinel-1 descending: about 190).")
        if not -360.0 <= float(self.heading_deg) <= 360.0:  # beyond: a typo, not an angle
            raise InputError(f"Heading {self.heading_deg:g} deg is outside -360..360; give "
                             "degrees clockwise from north (Sentinel-1 descending: about 190).")
        if not 0.0 < float(self.incidence_deg) < 90.0:
            raise InputError(f"Incidence angle {self.incidence_deg} deg is outside (0, 90); "
                             "Sentinel-1 IW uses about 30 to 46 deg.")
        if self.look not in LOOKS:
            raise InputError(f"Look direction {self.look!r} is not one of {LOOKS}.")
        # -167 (Sentinel-1 annotations) and 193 are one heading; checked above, then kept
        # in 0..360 here, so every front end gets the same refusal and the same value.
        object.__setattr__(self, "heading_deg", float(self.heading_deg) % 360.0)

    @property
    def look_azimuth_deg(self) -> float:
        """Direction (clockwise from north) from the sensor towards far range."""
        offset = 90.0 if self.look == "right" else -90.0
        return (self.heading_deg + offset) % 360.0

    def to_dict(self) -> dict:
        return asdict(self)
