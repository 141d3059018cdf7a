"""The model choice every translating algorithm offers, defined once: a bundled model, or
a weights file (.safetensors, or its .onnx twin) that replaces it."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
)

from ..core.errors import InputError
from .common import bundled_model_names

MODEL, WEIGHTS = "MODEL", "WEIGHTS"
WEIGHTS_FILTER = "Sardine weights (*.safetensors *.onnx)"


def add_model_parameters(alg: QgsProcessingAlgorithm) -> None:
    names = bundled_model_names()
    model = QgsProcessingParameterEnum(MODEL, "Model", options=names,
                                       defaultValue=names[0] if names else None, optional=True)
    model.setUsesStaticStrings(True)
    alg.addParameter(model)
    alg.addParameter(QgsProcessingParameterFile(
        WEIGHTS, "Weights file (replaces the model above)", fileFilter=WEIGHTS_FILTER,
        optional=True))


def model_from_parameters(alg: QgsProcessingAlgorithm, parameters: dict[str, Any],
                          context: QgsProcessingContext) -> str:
    """The weights file when one is given, else the bundled model's name."""
    model = (alg.parameterAsFile(parameters, WEIGHTS, context)
             or alg.parameterAsEnumString(parameters, MODEL, context))
    if not model:
        raise InputError("Choose a bundled model or a weights file (.safetensors or .onnx).")
    return model
