"""Parameters and result of one pre/post change run (pure Python: front ends import it
cheaply)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

OUTPUTS = ("pre_optical", "post_optical", "change", "trust")


@dataclass
class ChangeParams:
    """Two acquisitions of one orbit geometry, translated with one model on the pre-event
    grid. ``incidence``/``heading`` None: read from the SAR metadata (needed with a DEM,
    for the distortion part of the trust layer)."""

    pre_sar: Path
    post_sar: Path
    out_dir: Path
    model: str
    dem_path: Path | None = None
    pre_bands: tuple[int, ...] = (1, 2)
    post_bands: tuple[int, ...] = (1, 2)
    incidence: float | None = None
    heading: float | None = None
    look: str = "right"
    device: str = "auto"
    tile: int = 512
    overlap: int = 64
    threads: int | None = None


@dataclass
class ChangeResult:
    paths: dict[str, Path]
    width: int
    height: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
