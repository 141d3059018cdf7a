"""Incidence angle, heading and look direction: the acquisition geometry both algorithms
need for distortion masks, declared once so the two algorithms cannot drift apart."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
)

from ..core.geometry import LOOKS, AcquisitionGeometry

INCIDENCE, HEADING, LOOK = "INCIDENCE", "HEADING", "LOOK"


def add_geometry_parameters(alg: QgsProcessingAlgorithm) -> None:
    """Add INCIDENCE, HEADING and (advanced) LOOK with Sentinel-1 defaults."""
    default = AcquisitionGeometry()
    alg.addParameter(QgsProcessingParameterNumber(
        INCIDENCE, "Incidence angle (degrees)", QgsProcessingParameterNumber.Double,
        default.incidence_deg, minValue=1.0, maxValue=89.0))
    alg.addParameter(QgsProcessingParameterNumber(
        HEADING, "Heading, clockwise from north (degrees; descending ~190, ascending ~350)",
        QgsProcessingParameterNumber.Double, default.heading_deg, minValue=0.0, maxValue=360.0))
    look = QgsProcessingParameterEnum(LOOK, "Look direction", options=list(LOOKS),
                                      defaultValue=default.look)
    look.setUsesStaticStrings(True)
    look.setFlags(look.flags() | look.FlagAdvanced)
    alg.addParameter(look)


def geometry_from_parameters(alg: QgsProcessingAlgorithm, parameters: dict[str, Any],
                             context: QgsProcessingContext) -> AcquisitionGeometry:
    """The ``AcquisitionGeometry`` the parameters describe (validated by the core)."""
    return AcquisitionGeometry(
        incidence_deg=alg.parameterAsDouble(parameters, INCIDENCE, context),
        heading_deg=alg.parameterAsDouble(parameters, HEADING, context),
        look=alg.parameterAsEnumString(parameters, LOOK, context) or LOOKS[0])
