"""The dataclasses between the dock and the Processing algorithm.

``DockChoices`` is what the analyst set up once and expects back next session (model,
device, tiles, geometry...), kept in ``QgsSettings``. ``TranslateRequest`` is one run: the
files behind the chosen layers plus those choices; ``to_parameters()`` gives the
``sardine:translate`` parameter map, so the dock runs exactly what the toolbox runs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from qgis.core import QgsProcessing, QgsSettings

from ..processing import translate_algorithm as alg
from ..processing.geometry_params import HEADING, INCIDENCE, LOOK

SETTINGS_GROUP = "sardine/dock"


@dataclass
class DockChoices:
    """The dock's persisted choices; ``model`` is a bundled name, ``weights`` a file."""

    model: str = ""
    weights: str = ""
    device: str = "auto"
    enhance: str = "none"
    tile: int = 512
    overlap: int = 64
    batch: int = 0  # automatic
    compile: bool = False
    distortion: bool = False
    incidence: float = 39.0
    heading: float = 190.0
    look: str = "right"
    output_dir: str = ""

    @classmethod
    def load(cls, settings: QgsSettings | None = None) -> DockChoices:
        """Choices saved by ``save``; defaults for anything missing or unreadable."""
        settings = settings or QgsSettings()
        values: dict[str, Any] = {}
        for f in fields(cls):
            default = f.default
            raw = settings.value(f"{SETTINGS_GROUP}/{f.name}", default)
            try:
                if isinstance(default, bool):
                    values[f.name] = raw if isinstance(raw, bool) else str(raw).lower() == "true"
                else:
                    values[f.name] = type(default)(raw)
            except (TypeError, ValueError):
                values[f.name] = default
        return cls(**values)

    def save(self, settings: QgsSettings | None = None) -> None:
        settings = settings or QgsSettings()
        for key, value in asdict(self).items():
            settings.setValue(f"{SETTINGS_GROUP}/{key}", value)


@dataclass
class TranslateRequest:
    """One translation as the dock asks for it; ``output`` empty means a temporary file."""

    sar_path: Path
    bands: tuple[int, int]
    dem_path: Path | None
    output: str
    name: str
    choices: DockChoices = field(default_factory=DockChoices)

    def distortion_output(self) -> str | None:
        """Beside the optical output (``<name>_distortion.tif``), temporary if that is."""
        if not self.choices.distortion:
            return None
        if not self.output:
            return QgsProcessing.TEMPORARY_OUTPUT
        out = Path(self.output)
        return str(out.with_name(f"{out.stem}_distortion.tif"))

    def to_parameters(self) -> dict[str, Any]:
        """The ``sardine:translate`` parameters for this request."""
        c = self.choices
        params: dict[str, Any] = {
            alg.SAR: str(self.sar_path), alg.VV_BAND: self.bands[0], alg.VH_BAND: self.bands[1],
            alg.DEM: str(self.dem_path) if self.dem_path else None,
            alg.MODEL: None if c.weights else (c.model or None),
            alg.WEIGHTS: c.weights or None,
            alg.DEVICE: c.device, alg.ENHANCE: c.enhance,
            alg.TILE: c.tile, alg.OVERLAP: c.overlap, alg.BATCH: c.batch,
            alg.COMPILE: c.compile,
            INCIDENCE: c.incidence, HEADING: c.heading, LOOK: c.look,
            alg.OUTPUT: self.output or QgsProcessing.TEMPORARY_OUTPUT,
        }
        distortion = self.distortion_output()
        if distortion:
            params[alg.DISTORTION_OUTPUT] = distortion
        return params
