"""Incidence angle, heading and look direction: the acquisition geometry both algorithms
need for distortion masks, declared once so the two algorithms cannot drift apart.

Incidence and heading have no default: left unset, they are read from the SAR file's
metadata by the core, which refuses (saying where to find them) when the file is silent.
A made-up default would draw a plausible but wrong mask.
"""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
)

from ..core.sar_metadata import WHERE
from ..core.translate.params import LIMITS, LOOKS, default

INCIDENCE, HEADING, LOOK = "INCIDENCE", "HEADING", "LOOK"
GEOMETRY_HELP = ("<b>Incidence angle</b> and <b>heading</b>: left empty, they are read from "
                 "the SAR file's metadata (Sentinel-1 products and SNAP exports state them); "
                 f"otherwise give them. {WHERE}")


def add_geometry_parameters(alg: QgsProcessingAlgorithm, advanced: bool = False) -> None:
    """Add INCIDENCE, HEADING (optional: from the SAR metadata) and (advanced) LOOK;
    ``advanced``: the angles too (where they only refine a report, as in adapt)."""
    for key, label, option in (
            (INCIDENCE, "Incidence angle, degrees (empty: from the SAR metadata)", "incidence"),
            # short enough for the toolbox dialog's unwrapped labels; the help has the rest
            (HEADING, "Heading, degrees from north (empty: from the SAR metadata)", "heading")):
        low, high = LIMITS[option]
        number = QgsProcessingParameterNumber(key, label, QgsProcessingParameterNumber.Double,
                                              None, optional=True, minValue=low, maxValue=high)
        number.setHelp(WHERE)
        if advanced:
            number.setFlags(number.flags() | number.FlagAdvanced)
        alg.addParameter(number)
    look = QgsProcessingParameterEnum(LOOK, "Look direction", options=list(LOOKS),
                                      defaultValue=default("look"))
    look.setUsesStaticStrings(True)
    look.setFlags(look.flags() | look.FlagAdvanced)
    alg.addParameter(look)


def _number(alg: QgsProcessingAlgorithm, parameters: dict[str, Any], key: str,
            context: QgsProcessingContext) -> float | None:
    """The value, or None when the parameter is left empty."""
    if parameters.get(key) in (None, ""):
        return None
    return alg.parameterAsDouble(parameters, key, context)


def geometry_values(alg: QgsProcessingAlgorithm, parameters: dict[str, Any],
                    context: QgsProcessingContext) -> tuple[float | None, float | None, str]:
    """(incidence, heading, look) as given; None where left for the SAR metadata."""
    return (_number(alg, parameters, INCIDENCE, context),
            _number(alg, parameters, HEADING, context),
            alg.parameterAsEnumString(parameters, LOOK, context) or default("look"))
