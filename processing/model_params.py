"""The model choice every translating algorithm offers, defined once: "automatic" (the
bundled model that fits the inputs: with a DEM the fusion model, as the dock does), a
bundled model, or a weights file (.safetensors, or its .onnx twin) that replaces it."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
)

from ..core.bundled import fitting_model
from .common import bundled_model_names

MODEL, WEIGHTS = "MODEL", "WEIGHTS"
WEIGHTS_FILTER = "Sardine weights (*.safetensors *.onnx)"
AUTOMATIC = "automatic (fits the inputs)"


def add_model_parameters(alg: QgsProcessingAlgorithm) -> None:
    model = QgsProcessingParameterEnum(MODEL, "Model", options=[AUTOMATIC,
                                                                *bundled_model_names()],
                                       defaultValue=AUTOMATIC, optional=True)
    model.setUsesStaticStrings(True)
    alg.addParameter(model)
    alg.addParameter(QgsProcessingParameterFile(
        WEIGHTS, "Weights file (replaces the model above)", fileFilter=WEIGHTS_FILTER,
        optional=True))


def model_from_parameters(alg: QgsProcessingAlgorithm, parameters: dict[str, Any],
                          context: QgsProcessingContext, has_dem: bool) -> str:
    """The weights file when one is given, else the bundled model's name (``has_dem``:
    whether a DEM is given, for "automatic")."""
    model = (alg.parameterAsFile(parameters, WEIGHTS, context)
             or alg.parameterAsEnumString(parameters, MODEL, context) or AUTOMATIC)
    if model == AUTOMATIC:
        return fitting_model(has_dem)
    return model
