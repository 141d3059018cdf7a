"""``sardine:translate``: SAR (+ DEM) -> optical RGB raster. The one entry point shared by
the dock, the toolbox, batch mode, the modeler, ``processing.run`` and ``qgis_process``.

Every default and limit comes from ``core.translate.params``. A run is validated once:
``checkParameterValues`` (which every front end calls first, with the refusal shown as it
is) makes the core's ``RunPlan``; QGIS then prepares and runs a *new* instance of the
algorithm, so the plan is handed over through ``_LAST_CHECK`` (one slot, taken by the next
``prepareAlgorithm`` with the same parameters within ``CHECK_LIFETIME_S``; validated there
otherwise, as for a modeler child). ``processAlgorithm`` runs that plan. Output paths are
asked for in ``processAlgorithm``, in the context that runs: QGIS keeps the layers to load
from that context only, and a path asked for elsewhere would be a phantom output.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..core.bands import BandGuess, guess_polarisation_bands
from ..core.errors import InputError, SardineError
from ..core.translate.params import ENHANCEMENTS, RUNTIMES, TranslateParams, default
from .common import (
    bundled_models,
    core_feedback,
    layer_file,
    output_name,
    qgis_errors,
    require_dependencies,
)
from .engine_params import (
    BATCH,
    OVERLAP,
    TILE,
    add_engine_parameters,
    add_enum,
    engine_values,
)
from .geometry_params import GEOMETRY_HELP, add_geometry_parameters, geometry_values
from .icons import icon
from .model_params import add_model_parameters, model_from_parameters
from .styles import save_style_sidecar
from .task_guard import task_error_message

if TYPE_CHECKING:  # the engine imports torch: only when a run is prepared
    from ..core.translate.preflight import RunPlan

_LAST_CHECK: tuple[str, float, RunPlan] | None = None
CHECK_LIFETIME_S = 60.0  # QGIS prepares right after checking; an older plan is not trusted

SAR, VV_BAND, VH_BAND, DEM = "SAR", "VV_BAND", "VH_BAND", "DEM"
ENHANCE, COMPILE = "ENHANCE", "COMPILE"
NUMBERS = (TILE, OVERLAP, BATCH)
RUNTIME = "RUNTIME"
OUTPUT, DISTORTION_OUTPUT, TRUST_OUTPUT = "OUTPUT", "DISTORTION_OUTPUT", "TRUST_OUTPUT"
RAN_ON, SECONDS = "RAN_ON", "SECONDS"

HELP = """Translates a Sentinel-1 SAR raster (VV and VH, dB or linear) and, for the fusion \
models, a DEM into an optical-looking RGB raster in the SAR raster's grid and CRS. The DEM may \
be in any CRS and resolution: it is reprojected on the fly.

<b>VV and VH bands</b>: left empty, they are found from the band names (the log says which \
were picked, and when the names said nothing and bands 1 and 2 were assumed).
<b>Model</b>: automatic (the bundled model that fits the inputs: the DEM fusion model when a \
DEM is given, the SAR-only one without), a bundled model, or a weights file (.safetensors, \
from <i>sardine train</i> or <i>sardine adapt</i>, or its .onnx twin) which then replaces it. \
{models}
<b>Runtime</b> (advanced): auto runs the weights' .onnx twin with OpenVINO or ONNX Runtime \
(1.5-2.5x faster on CPU, no PyTorch needed) when one of them is installed, else PyTorch.
<b>Device</b>: auto uses a CUDA GPU when one is found. <b>Enhancement</b> sharpens the result \
(laplacian) or denoises it (wiener).
<b>Distortion mask</b> (optional): where foreshortening, layover or shadow make the result \
unreliable. {geometry}
<b>Trust layer</b> (optional): per pixel, how far the result can be trusted (1: fully; \
distortion x inputs inside the model's training ranges x expected colour error; \
docs/CHANGE.md), drawn as a grey \
veil that is dense where trust is low. With a DEM it needs the geometry, as the mask does.
<b>Advanced</b>: the raster is translated in tiles of <i>tile</i> pixels overlapping by \
<i>overlap</i>, <i>batch</i> tiles at a time (0: automatic, 2 on CPU and 4 on a GPU); \
lower them if memory runs out."""


class TranslateAlgorithm(QgsProcessingAlgorithm):
    """Processing wrapper around ``sardine.core.translate.translate``."""

    def __init__(self) -> None:
        super().__init__()
        self._prepared: tuple[TranslateParams, RunPlan, str] | None = None
        self._written: list[tuple[Path, str, str]] = []  # (path, style kind, layer name)

    # --- identity -------------------------------------------------------------------------
    def name(self) -> str:
        return "translate"

    def displayName(self) -> str:  # noqa: N802
        return "Translate SAR to optical"

    def shortHelpString(self) -> str:  # noqa: N802
        models = bundled_models()
        listed = "".join(f"<br>- <i>{m.name}</i>: {m.description}" for m in models)
        return HELP.format(models=f"Bundled:{listed}" if models else "No bundled model found.",
                           geometry=GEOMETRY_HELP)

    def icon(self) -> QIcon:
        return icon("sardine.svg")

    def createInstance(self) -> TranslateAlgorithm:  # noqa: N802
        return TranslateAlgorithm()

    # --- parameters -----------------------------------------------------------------------
    def initAlgorithm(self, config: dict | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(SAR, "SAR raster (VV, VH)"))
        for key, label in ((VV_BAND, "VV band"), (VH_BAND, "VH band")):
            self.addParameter(QgsProcessingParameterBand(
                key, f"{label} (empty: found from the band names)", None, SAR, optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            DEM, "DEM (needed by the fusion models)", optional=True))
        add_model_parameters(self)
        runtime = QgsProcessingParameterEnum(RUNTIME, "Runtime (auto: OpenVINO or ONNX "
                                             "Runtime when installed and .onnx weights exist)",
                                             options=list(RUNTIMES),
                                             defaultValue=default("runtime"))
        runtime.setUsesStaticStrings(True)
        runtime.setFlags(runtime.flags() | runtime.FlagAdvanced)
        self.addParameter(runtime)
        add_engine_parameters(self, NUMBERS)  # the numbers are advanced: shown further down
        add_enum(self, ENHANCE, "Enhancement", ENHANCEMENTS, "enhance")
        compile_model = QgsProcessingParameterBoolean(
            COMPILE, "Compile the model (torch.compile: ~1.2x faster on CPU after ~20 s; "
            "for large scenes)", defaultValue=default("compile"))
        compile_model.setFlags(compile_model.flags() | compile_model.FlagAdvanced)
        self.addParameter(compile_model)
        add_geometry_parameters(self)
        self.addParameter(QgsProcessingParameterRasterDestination(OUTPUT, "Optical RGB"))
        self.addParameter(QgsProcessingParameterRasterDestination(
            DISTORTION_OUTPUT, "Distortion mask", optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterRasterDestination(
            TRUST_OUTPUT, "Trust layer", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputString(
            RAN_ON, "Device and runtime that ran the model, e.g. CPU (OpenVINO)"))
        self.addOutput(QgsProcessingOutputNumber(SECONDS, "Seconds the translation took"))

    # --- parameters -> the core's TranslateParams -----------------------------------------
    def _bands(self, layer: QgsRasterLayer, parameters: dict[str, Any],
               context: QgsProcessingContext) -> tuple[tuple[int, int], BandGuess | None]:
        """The bands asked for; those left empty are guessed from the band names."""
        given = (self.parameterAsInt(parameters, VV_BAND, context),
                 self.parameterAsInt(parameters, VH_BAND, context))
        guess = None
        if not all(given):
            guess = guess_polarisation_bands([layer.bandName(i)
                                              for i in range(1, layer.bandCount() + 1)])
        bands = (given[0] or guess.vv, given[1] or guess.vh) if guess else given
        if bands[0] == bands[1]:
            raise InputError(f"VV and VH are both band {bands[0]}; pick two different bands.")
        for band in bands:
            if band > layer.bandCount():
                raise InputError(f"The SAR layer '{layer.name()}' has {layer.bandCount()} "
                                 f"band(s); band {band} does not exist.")
        return bands, guess

    def _outputs(self, parameters: dict[str, Any], context: QgsProcessingContext
                 ) -> tuple[Path, Path | None, Path | None]:
        """Output paths (optical, mask, trust); asking registers them in ``context`` as
        layers to load."""
        optional = [self.parameterAsOutputLayer(parameters, key, context)
                    for key in (DISTORTION_OUTPUT, TRUST_OUTPUT)]
        return (Path(self.parameterAsOutputLayer(parameters, OUTPUT, context)),
                *(Path(path) if path else None for path in optional))

    def build_params(self, parameters: dict[str, Any], context: QgsProcessingContext,
                     outputs: tuple[Path, Path | None, Path | None]
                     ) -> tuple[TranslateParams, BandGuess | None]:
        """Parameters -> the core's ``TranslateParams``; layers become the files behind them."""
        sar_layer = self.parameterAsRasterLayer(parameters, SAR, context)
        sar = layer_file(sar_layer, "SAR")
        dem_layer = self.parameterAsRasterLayer(parameters, DEM, context)
        dem = layer_file(dem_layer, "DEM") if dem_layer is not None else None
        bands, guess = self._bands(sar_layer, parameters, context)
        incidence, heading, look = geometry_values(self, parameters, context)
        return TranslateParams(
            sar_path=sar, dem_path=dem,
            model=model_from_parameters(self, parameters, context, dem is not None),
            sar_bands=bands, out_path=outputs[0], distortion_out=outputs[1],
            enhance=(self.parameterAsEnumString(parameters, ENHANCE, context)
                     or default("enhance")),
            **engine_values(self, parameters, context, NUMBERS),
            compile=self.parameterAsBool(parameters, COMPILE, context),
            runtime=(self.parameterAsEnumString(parameters, RUNTIME, context)
                     or default("runtime")),
            incidence=incidence, heading=heading, look=look), guess

    def _params_for_check(self, parameters: dict[str, Any], context: QgsProcessingContext
                          ) -> tuple[TranslateParams, BandGuess | None, Path | None]:
        """Output paths from a scratch context: asking registers an output to load. Also
        the trust layer's path (None when not asked for)."""
        scratch = QgsProcessingContext()
        scratch.copyThreadSafeSettings(context)
        outputs = self._outputs(parameters, scratch)
        return *self.build_params(parameters, context, outputs), outputs[2]

    def checkParameterValues(self, parameters: dict[str, Any],  # noqa: N802
                             context: QgsProcessingContext) -> tuple[bool, str]:
        """Refuse bad input (non-file layer, fusion model without DEM, unwritable output...)
        before any run, with the core's message."""
        global _LAST_CHECK
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            require_dependencies()
            from ..core.translate import validate  # imports torch

            params, _guess, trust = self._params_for_check(parameters, context)
            _LAST_CHECK = (_plan_key(params), time.monotonic(), validate(params))
            if trust is not None:
                _check_trust(params, trust)
        except (SardineError, QgsProcessingException) as exc:
            return False, str(exc)
        except Exception as exc:  # noqa: BLE001 (a check must never show a traceback)
            return False, task_error_message(exc)
        return True, ""

    # --- execution ------------------------------------------------------------------------
    def prepareAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Resolve project layers in the thread that owns the project; take the plan the
        check made (validate only when there was no check)."""
        global _LAST_CHECK
        with qgis_errors(feedback):
            require_dependencies()
            from ..core.translate import retarget, validate

            params, guess, _trust = self._params_for_check(parameters, context)
            checked, _LAST_CHECK = _LAST_CHECK, None
            fresh = checked is not None and time.monotonic() - checked[1] < CHECK_LIFETIME_S
            if fresh and checked[0] == _plan_key(params):
                plan = retarget(checked[2], params)
            else:
                plan = validate(params)
            if guess is not None:
                feedback.pushInfo(f"SAR bands: {guess.describe()}.")
            sar_name = self.parameterAsRasterLayer(parameters, SAR, context).name()
            self._prepared = (params, plan, output_name(sar_name, params.model))
        return True

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        if self._prepared is None:
            raise RuntimeError("sardine:translate ran without prepareAlgorithm")
        params, plan, name = self._prepared
        with qgis_errors(feedback):
            from ..core.translate import retarget, translate

            out, distortion, trust = self._outputs(parameters, context)
            if (out, distortion) != (params.out_path, params.distortion_out):
                params = replace(params, out_path=out, distortion_out=distortion)
                plan = retarget(plan, params)
            if trust is None:
                result = translate(params, core_feedback(feedback), plan=plan)
            else:
                from ..core.change import translate_with_trust

                result = translate_with_trust(params, trust, core_feedback(feedback))
        self._written = [(result.out_path, "optical", name)]
        if result.distortion_path is not None:
            self._written.append((result.distortion_path, "distortion",
                                  f"{name} distortion mask"))
        if trust is not None:
            self._written.append((trust, "trust", f"{name} trust"))
        return {OUTPUT: str(result.out_path),
                DISTORTION_OUTPUT: str(result.distortion_path) if result.distortion_path else None,
                TRUST_OUTPUT: str(trust) if trust is not None else None,
                RAN_ON: result.where, SECONDS: round(result.seconds, 2)}

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802
                             feedback: QgsProcessingFeedback) -> dict[str, Any]:
        """Styles are saved here, in the main thread: QGIS layers made in the dock's worker
        thread fail at random ("wrapped C/C++ object ... has been deleted")."""
        written, self._written = self._written, []
        for path, kind, name in written:
            _finish(path, kind, name, context, feedback)
        return {}


def _plan_key(params: TranslateParams) -> str:
    """What a plan depends on besides the output paths (QGIS names temporary outputs anew
    each time it is asked)."""
    mask = Path("mask.tif") if params.distortion_out is not None else None
    return repr(replace(params, out_path=Path("out.tif"), distortion_out=mask))


def _check_trust(params: TranslateParams, trust: Path) -> None:
    """Refuse a trust layer the run could not write (a bad path; with a DEM, no geometry
    for its distortion part) before anything runs, as ``translate_with_trust`` would."""
    from ..core.atomic import check_output_path
    from ..core.translate import validate

    check_output_path(trust, [params.sar_path, params.dem_path, params.out_path,
                              params.distortion_out])
    if params.dem_path is not None and params.distortion_out is None:
        validate(replace(params, distortion_out=trust.with_name(f"{trust.stem}_mask.tif")))


def _finish(path: Path, kind: str, name: str, context: QgsProcessingContext,
            feedback: QgsProcessingFeedback | None) -> None:
    """Save the output's style beside it (the one styling of a run: whoever opens the file
    gets it) and name the layer QGIS will load; a styling failure never fails the run."""
    try:
        save_style_sidecar(path, kind)
    except (OSError, ValueError, RuntimeError) as exc:
        if feedback is not None:
            feedback.pushWarning(f"Output written, but its style was not saved: {exc}")
    if context.willLoadLayerOnCompletion(str(path)):
        context.layerToLoadOnCompletionDetails(str(path)).name = name
