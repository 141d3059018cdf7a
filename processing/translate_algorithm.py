"""``sardine:translate``: SAR (+ DEM) -> optical RGB raster. The one entry point shared by
the dock, the toolbox, batch mode, the modeler, ``processing.run`` and ``qgis_process``.

Only ``core.translate.params`` is imported at load time (it needs no torch); the engine is
imported when the algorithm validates or runs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import InputError, SardineError
from ..core.translate.params import DEVICES, ENHANCEMENTS, RUNTIMES, TranslateParams
from ..ui.bands import guess_polarisation_bands
from ..ui.styles import save_style_sidecar
from .common import bundled_models, core_feedback, layer_file, qgis_errors, require_dependencies
from .geometry_params import add_geometry_parameters, geometry_from_parameters
from .icons import icon

SAR, VV_BAND, VH_BAND, DEM = "SAR", "VV_BAND", "VH_BAND", "DEM"
MODEL, WEIGHTS, DEVICE, ENHANCE = "MODEL", "WEIGHTS", "DEVICE", "ENHANCE"
TILE, OVERLAP, BATCH, COMPILE = "TILE", "OVERLAP", "BATCH", "COMPILE"
RUNTIME = "RUNTIME"
OUTPUT, DISTORTION_OUTPUT = "OUTPUT", "DISTORTION_OUTPUT"

HELP = """Translates a Sentinel-1 SAR raster (VV and VH, dB or linear) and, for the fusion \
models, a DEM into an optical-looking RGB raster in the SAR raster's grid and CRS. The DEM may \
be in any CRS and resolution: it is reprojected on the fly.

<b>Model</b>: a bundled model, or a weights file (.safetensors, from <i>sardine train</i>, or \
its .onnx twin from <i>sardine export</i>) which then replaces it. {models}
<b>Runtime</b> (advanced): auto runs ONNX Runtime (2-3x faster on CPU, no PyTorch needed) \
when it is installed and the weights have an .onnx twin, else PyTorch.
<b>Device</b>: auto uses a CUDA GPU when one is found. <b>Enhancement</b> sharpens the result \
(laplacian) or denoises it (wiener).
<b>Distortion mask</b> (optional): where foreshortening, layover or shadow make the result \
unreliable, for the incidence angle and heading given (Sentinel-1 descending: heading about \
190, ascending about 350).
<b>Advanced</b>: the raster is translated in tiles of <i>tile</i> pixels overlapping by \
<i>overlap</i>, <i>batch</i> tiles at a time (0: automatic, 2 on CPU and 4 on a GPU); \
lower them if memory runs out."""


class TranslateAlgorithm(QgsProcessingAlgorithm):
    """Processing wrapper around ``sardine.core.translate.translate``."""

    def __init__(self) -> None:
        super().__init__()
        self._params: TranslateParams | None = None

    # --- identity -------------------------------------------------------------------------
    def name(self) -> str:
        return "translate"

    def displayName(self) -> str:  # noqa: N802
        return "Translate SAR to optical"

    def shortHelpString(self) -> str:  # noqa: N802
        models = bundled_models()
        listed = "".join(f"<br>- <i>{m.name}</i>: {m.description}" for m in models)
        return HELP.format(models=f"Bundled:{listed}" if models else "No bundled model found.")

    def icon(self) -> QIcon:
        return icon("sardine.svg")

    def createInstance(self) -> TranslateAlgorithm:  # noqa: N802
        return TranslateAlgorithm()

    # --- parameters -----------------------------------------------------------------------
    def initAlgorithm(self, config: dict | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(SAR, "SAR raster (VV, VH)"))
        for key, label in ((VV_BAND, "VV band"), (VH_BAND, "VH band")):
            self.addParameter(QgsProcessingParameterBand(
                key, f"{label} (not set: found from the band names)", None, SAR,
                optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            DEM, "DEM (needed by the fusion models)", optional=True))
        names = [m.name for m in bundled_models()]
        model = QgsProcessingParameterEnum(MODEL, "Model", options=names,
                                           defaultValue=names[0] if names else None,
                                           optional=True)
        model.setUsesStaticStrings(True)
        self.addParameter(model)
        self.addParameter(QgsProcessingParameterFile(
            WEIGHTS, "Weights file (replaces the model above)",
            fileFilter="Sardine weights (*.safetensors *.onnx)", optional=True))
        runtime = QgsProcessingParameterEnum(RUNTIME, "Runtime (auto: ONNX Runtime when "
                                             "installed and .onnx weights exist)",
                                             options=list(RUNTIMES), defaultValue=RUNTIMES[0])
        runtime.setUsesStaticStrings(True)
        runtime.setFlags(runtime.flags() | runtime.FlagAdvanced)
        self.addParameter(runtime)
        for key, label, options in ((DEVICE, "Device", DEVICES),
                                    (ENHANCE, "Enhancement", ENHANCEMENTS)):
            enum = QgsProcessingParameterEnum(key, label, options=list(options),
                                              defaultValue=options[0])
            enum.setUsesStaticStrings(True)
            self.addParameter(enum)
        for key, label, default, minimum in ((TILE, "Tile size (pixels)", 512, 64),
                                             (OVERLAP, "Tile overlap (pixels)", 64, 0),
                                             (BATCH, "Tiles per batch (0 = automatic)", 0,
                                              0)):
            number = QgsProcessingParameterNumber(key, label, QgsProcessingParameterNumber.Integer,
                                                  default, minValue=minimum)
            number.setFlags(number.flags() | number.FlagAdvanced)
            self.addParameter(number)
        compile_model = QgsProcessingParameterBoolean(
            COMPILE, "Compile the model (torch.compile: ~1.2x faster on CPU after ~20 s; "
            "for large scenes)", defaultValue=False)
        compile_model.setFlags(compile_model.flags() | compile_model.FlagAdvanced)
        self.addParameter(compile_model)
        add_geometry_parameters(self)
        self.addParameter(QgsProcessingParameterRasterDestination(OUTPUT, "Optical RGB"))
        self.addParameter(QgsProcessingParameterRasterDestination(
            DISTORTION_OUTPUT, "Distortion mask", optional=True, createByDefault=False))

    def build_params(self, parameters: dict[str, Any],
                     context: QgsProcessingContext) -> TranslateParams:
        """Parameters -> the core's ``TranslateParams``; layers become the files behind them."""
        sar_layer = self.parameterAsRasterLayer(parameters, SAR, context)
        sar = layer_file(sar_layer, "SAR")
        dem_layer = self.parameterAsRasterLayer(parameters, DEM, context)
        dem = layer_file(dem_layer, "DEM") if dem_layer is not None else None
        weights = self.parameterAsFile(parameters, WEIGHTS, context)
        model = weights or self.parameterAsEnumString(parameters, MODEL, context)
        if not model:
            raise InputError("Choose a bundled model or a weights file (.safetensors or "
                             ".onnx).")
        bands = self._bands(sar_layer, parameters, context)
        if bands[0] == bands[1]:
            raise InputError(f"VV and VH are both band {bands[0]}; pick two different bands.")
        distortion = self.parameterAsOutputLayer(parameters, DISTORTION_OUTPUT, context)
        return TranslateParams(
            sar_path=sar, dem_path=dem, model=model, sar_bands=bands,
            out_path=Path(self.parameterAsOutputLayer(parameters, OUTPUT, context)),
            device=self.parameterAsEnumString(parameters, DEVICE, context) or "auto",
            enhance=self.parameterAsEnumString(parameters, ENHANCE, context) or "none",
            tile=self.parameterAsInt(parameters, TILE, context),
            overlap=self.parameterAsInt(parameters, OVERLAP, context),
            batch=self.parameterAsInt(parameters, BATCH, context),
            compile=self.parameterAsBool(parameters, COMPILE, context),
            runtime=self.parameterAsEnumString(parameters, RUNTIME, context) or "auto",
            distortion_out=Path(distortion) if distortion else None,
            geometry=geometry_from_parameters(self, parameters, context))

    def _bands(self, layer: QgsRasterLayer, parameters: dict[str, Any],
               context: QgsProcessingContext) -> tuple[int, int]:
        """The bands asked for; those not set are guessed from the band names."""
        names = [layer.bandName(i) for i in range(1, layer.bandCount() + 1)]
        guessed = guess_polarisation_bands(names)
        given = (self.parameterAsInt(parameters, VV_BAND, context),
                 self.parameterAsInt(parameters, VH_BAND, context))
        bands = (given[0] or guessed[0], given[1] or guessed[1])
        for band in bands:
            if band > layer.bandCount():
                raise InputError(f"The SAR layer '{layer.name()}' has {layer.bandCount()} "
                                 f"band(s); band {band} does not exist.")
        return bands

    def checkParameterValues(self, parameters: dict[str, Any],  # noqa: N802
                             context: QgsProcessingContext) -> tuple[bool, str]:
        """Refuse bad input (non-file layer, fusion model without DEM, ...) before any run."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            require_dependencies()
            from ..core.translate import validate  # imports torch

            validate(self.build_params(parameters, context))
        except (SardineError, QgsProcessingException) as exc:
            return False, str(exc)
        return True, ""

    # --- execution ------------------------------------------------------------------------
    def prepareAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Resolve project layers to files here, in the thread that owns the project."""
        with qgis_errors(feedback):
            require_dependencies()
            self._params = self.build_params(parameters, context)
        return True

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        with qgis_errors(feedback):
            from ..core.translate import translate  # imports torch

            params = self._params or self.build_params(parameters, context)
            result = translate(params, core_feedback(feedback))
        _style(result.out_path, "optical", feedback)
        if result.distortion_path is not None:
            _style(result.distortion_path, "distortion", feedback)
        return {OUTPUT: str(result.out_path),
                DISTORTION_OUTPUT: str(result.distortion_path) if result.distortion_path else None}


def _style(path: Path, kind: str, feedback: QgsProcessingFeedback | None) -> None:
    """Save the default style beside an output; a styling failure never fails the run."""
    try:
        save_style_sidecar(path, kind)
    except (OSError, ValueError) as exc:
        if feedback is not None:
            feedback.pushWarning(f"Output written, but its style was not saved: {exc}")

