"""The engine settings both translating algorithms offer (device, tile size, overlap,
batch), declared once so ``sardine:translate`` and ``sardine:change`` cannot drift apart.
Labels, limits and defaults come from ``core.translate.params``."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
)

from ..core.translate.params import DEVICES, LIMITS, default

DEVICE, TILE, OVERLAP, BATCH = "DEVICE", "TILE", "OVERLAP", "BATCH"
# key -> (label, core option)
NUMBERS = {TILE: ("Tile size (pixels)", "tile"),
           OVERLAP: ("Tile overlap (pixels)", "overlap"),
           BATCH: ("Tiles per batch (0 = automatic)", "batch")}


def add_enum(alg: QgsProcessingAlgorithm, key: str, label: str, options: tuple[str, ...],
             option: str) -> None:
    """A static-string choice whose default is the core's ``option``."""
    enum = QgsProcessingParameterEnum(key, label, options=list(options),
                                      defaultValue=default(option))
    enum.setUsesStaticStrings(True)
    alg.addParameter(enum)


def add_engine_parameters(alg: QgsProcessingAlgorithm, numbers: tuple[str, ...]) -> None:
    """DEVICE, then the advanced integer settings ``numbers`` (keys of ``NUMBERS``)."""
    add_enum(alg, DEVICE, "Device", DEVICES, "device")
    for key in numbers:
        label, option = NUMBERS[key]
        low, high = LIMITS[option]
        number = QgsProcessingParameterNumber(key, label, QgsProcessingParameterNumber.Integer,
                                              default(option), minValue=low, maxValue=high)
        number.setFlags(number.flags() | number.FlagAdvanced)
        alg.addParameter(number)


def engine_values(alg: QgsProcessingAlgorithm, parameters: dict[str, Any],
                  context: QgsProcessingContext, numbers: tuple[str, ...]) -> dict[str, Any]:
    """``{"device": ..., "tile": ..., ...}``: keyword arguments for the core's parameters."""
    values: dict[str, Any] = {
        "device": alg.parameterAsEnumString(parameters, DEVICE, context) or default("device")}
    for key in numbers:
        values[NUMBERS[key][1]] = alg.parameterAsInt(parameters, key, context)
    return values
