"""What the analyst set up once and expects back next session (model, device, tiles,
geometry...), kept in ``QgsSettings``, and the ``sardine:translate`` parameters one run of
those choices gives: the dock runs exactly what the toolbox runs.

Defaults are the core's (``core.translate.params.default``); nothing is restated here.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from qgis.core import QgsProcessing, QgsSettings

from ..core.translate.params import LIMITS, default
from ..processing import model_params
from ..processing import translate_algorithm as alg
from ..processing.geometry_params import HEADING, INCIDENCE, LOOK

SETTINGS_GROUP = "sardine/dock"
# The spin boxes' lowest value stands for "read it from the SAR file's metadata" (the core's
# None); one below the real range, so every real value stays reachable.
FROM_METADATA = {"incidence": LIMITS["incidence"][0] - 1.0,
                 "heading": LIMITS["heading"][0] - 1.0}


@dataclass
class DockChoices:
    """The dock's persisted choices; ``model`` is a bundled name, ``weights`` a file and
    ``use_weights`` says which of the two the analyst picked."""

    model: str = ""
    weights: str = ""
    use_weights: bool = False
    device: str = default("device")
    enhance: str = default("enhance")
    tile: int = default("tile")
    overlap: int = default("overlap")
    batch: int = default("batch")
    compile: bool = default("compile")
    distortion: bool = False
    incidence: float = FROM_METADATA["incidence"]
    heading: float = FROM_METADATA["heading"]
    look: str = default("look")
    output_dir: str = ""

    @classmethod
    def load(cls, settings: QgsSettings | None = None) -> DockChoices:
        """Choices saved by ``save``; defaults for anything missing or unreadable."""
        settings = settings or QgsSettings()
        values: dict[str, Any] = {}
        for f in fields(cls):
            default_value = f.default
            raw = settings.value(f"{SETTINGS_GROUP}/{f.name}", default_value)
            try:
                if isinstance(default_value, bool):
                    values[f.name] = raw if isinstance(raw, bool) else str(raw).lower() == "true"
                else:
                    values[f.name] = type(default_value)(raw)
            except (TypeError, ValueError):
                values[f.name] = default_value
        return cls(**values)

    def save(self, settings: QgsSettings | None = None) -> None:
        settings = settings or QgsSettings()
        for key, value in asdict(self).items():
            settings.setValue(f"{SETTINGS_GROUP}/{key}", value)

    def model_name(self) -> str:
        """The bundled name or the weights file the run uses ("" if none chosen)."""
        return self.weights if self.use_weights else self.model

    def parameters(self, sar: Path, bands: tuple[int, int], dem: Path | None,
                   output: str) -> dict[str, Any]:
        """The ``sardine:translate`` parameters of one run; ``output`` empty: temporary.
        The mask goes beside the optical output (``<name>_distortion.tif``)."""
        params: dict[str, Any] = {
            alg.SAR: str(sar), alg.VV_BAND: bands[0], alg.VH_BAND: bands[1],
            alg.DEM: str(dem) if dem else None,
            model_params.MODEL: None if self.use_weights else (self.model or None),
            model_params.WEIGHTS: self.weights if self.use_weights else None,
            alg.DEVICE: self.device, alg.ENHANCE: self.enhance,
            alg.TILE: self.tile, alg.OVERLAP: self.overlap, alg.BATCH: self.batch,
            alg.COMPILE: self.compile, LOOK: self.look,
            alg.OUTPUT: output or QgsProcessing.TEMPORARY_OUTPUT,
        }
        for key, option, value in ((INCIDENCE, "incidence", self.incidence),
                                   (HEADING, "heading", self.heading)):
            if value > FROM_METADATA[option]:
                params[key] = value
        if self.distortion:
            out = Path(output) if output else None
            params[alg.DISTORTION_OUTPUT] = (str(out.with_name(f"{out.stem}_distortion.tif"))
                                             if out else QgsProcessing.TEMPORARY_OUTPUT)
        return params
