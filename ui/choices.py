"""What the analyst set up once and expects back next session (mode, model, device, tiles,
geometry...), kept in ``QgsSettings``, and the ``sardine:translate`` or ``sardine:change``
parameters one run of those choices gives: the dock runs exactly what the toolbox runs.

Defaults are the core's (``core.translate.params.default``); nothing is restated here.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from qgis.core import QgsProcessing, QgsSettings

from ..core.translate.params import LIMITS, default
from ..processing import adapt_algorithm as adapt_alg
from ..processing import change_algorithm as change_alg
from ..processing import model_params
from ..processing import translate_algorithm as alg
from ..processing.engine_params import BATCH, DEVICE, OVERLAP, TILE
from ..processing.geometry_params import HEADING, INCIDENCE, LOOK

SETTINGS_GROUP = "sardine/dock"
# The spin boxes' lowest value stands for "read it from the SAR file's metadata" (the core's
# None); one below the real range, so every real value stays reachable.
FROM_METADATA = {"incidence": LIMITS["incidence"][0] - 1.0,
                 "heading": LIMITS["heading"][0] - 1.0}
# mode -> (label, the algorithm it runs)
MODES = {"translate": ("Translate", "sardine:translate"),
         "change": ("Change (pre/post)", "sardine:change")}


Saved = TypeVar("Saved", bound="SavedChoices")


class SavedChoices:
    """A dataclass of choices kept in ``QgsSettings`` under ``GROUP``, one key a field."""

    GROUP: ClassVar[str]

    @classmethod
    def load(cls: type[Saved], settings: QgsSettings | None = None) -> Saved:
        """Choices saved by ``save``; defaults for anything missing or unreadable."""
        settings = settings or QgsSettings()
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            default_value: Any = f.default
            raw = settings.value(f"{cls.GROUP}/{f.name}", default_value)
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
        for key, value in asdict(self).items():  # type: ignore[call-overload]
            settings.setValue(f"{self.GROUP}/{key}", value)


@dataclass
class DockChoices(SavedChoices):
    """The dock's persisted choices; ``model`` is a bundled name, ``weights`` a file and
    ``use_weights`` says which of the two the analyst picked; ``mode`` is a key of
    ``MODES``."""

    GROUP: ClassVar[str] = SETTINGS_GROUP

    mode: str = next(iter(MODES))
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
    trust: bool = False
    output_dir: str = ""

    def model_name(self) -> str:
        """The bundled name or the weights file the run uses ("" if none chosen)."""
        return self.weights if self.use_weights else self.model

    def parameters(self, sar: Path, bands: tuple[int, int], dem: Path | None,
                   output: str) -> dict[str, Any]:
        """The ``sardine:translate`` parameters of one run; ``output`` empty: temporary.
        The mask and the trust layer go beside the optical output
        (``<name>_distortion.tif``, ``<name>_trust.tif``)."""
        params: dict[str, Any] = {
            alg.SAR: str(sar), alg.VV_BAND: bands[0], alg.VH_BAND: bands[1],
            alg.DEM: str(dem) if dem else None, alg.ENHANCE: self.enhance,
            BATCH: self.batch, alg.COMPILE: self.compile,
            alg.OUTPUT: output or QgsProcessing.TEMPORARY_OUTPUT, **self._shared()}
        out = Path(output) if output else None
        for wanted, key, suffix in ((self.distortion, alg.DISTORTION_OUTPUT, "distortion"),
                                    (self.trust, alg.TRUST_OUTPUT, "trust")):
            if wanted:
                params[key] = (str(out.with_name(f"{out.stem}_{suffix}.tif")) if out
                               else QgsProcessing.TEMPORARY_OUTPUT)
        return params

    def change_parameters(self, pre: Path, post: Path, dem: Path | None,
                          folder: str) -> dict[str, Any]:
        """The ``sardine:change`` parameters of one run; ``folder`` empty: temporary."""
        return {change_alg.PRE: str(pre), change_alg.POST: str(post),
                change_alg.DEM: str(dem) if dem else None,
                change_alg.OUTPUT: folder or QgsProcessing.TEMPORARY_OUTPUT, **self._shared()}

    def _shared(self) -> dict[str, Any]:
        """What both algorithms take alike: the model, the engine, the geometry (left out
        where it is to be read from the SAR file)."""
        return {model_params.MODEL: None if self.use_weights else (self.model or None),
                model_params.WEIGHTS: self.weights if self.use_weights else None,
                DEVICE: self.device, TILE: self.tile, OVERLAP: self.overlap,
                **geometry_parameters(self.incidence, self.heading, self.look)}


@dataclass
class AdaptChoices(SavedChoices):
    """The Adapt section's persisted choices (the layers and the output file are per site,
    so they are not kept); defaults are ``sardine:adapt``'s."""

    GROUP: ClassVar[str] = "sardine/adapt"

    minutes: float = float(adapt_alg.default("minutes"))
    detail: int = int(adapt_alg.default("detail"))
    mask_kind: str = adapt_alg.MASK_KINDS[0]
    incidence: float = FROM_METADATA["incidence"]
    heading: float = FROM_METADATA["heading"]
    look: str = default("look")


def geometry_parameters(incidence: float, heading: float, look: str) -> dict[str, Any]:
    """INCIDENCE, HEADING (left out at ``FROM_METADATA``: read from the SAR file) and LOOK
    of the spin boxes' values, as every algorithm with a geometry takes them."""
    params: dict[str, Any] = {LOOK: look}
    for key, option, value in ((INCIDENCE, "incidence", incidence),
                               (HEADING, "heading", heading)):
        if value > FROM_METADATA[option]:
            params[key] = value
    return params
