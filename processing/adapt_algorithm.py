"""``sardine:adapt``: fine-tune weights on the analyst's own site (SAR + cloud-free optical
pair), checked on held-out blocks. Used by the toolbox, ``processing.run`` and the dock's
"Adapt to this area" section.

The adaptation engine lives in ``training.adapt`` (it trains); it is imported only when
the algorithm runs, so loading the provider needs neither torch nor the training code."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import InputError
from ..training.adapt.config import LIMITS, default
from .common import bundled_models, core_feedback, layer_file, qgis_errors, require_dependencies
from .geometry_params import add_geometry_parameters, geometry_values
from .icons import icon
from .model_params import AUTOMATIC

SAR, DEM, OPTICAL, CLOUD_MASK, MASK_KIND = "SAR", "DEM", "OPTICAL", "CLOUD_MASK", "MASK_KIND"
RED, GREEN, BLUE = "RED_BAND", "GREEN_BAND", "BLUE_BAND"
BASE, BASE_WEIGHTS, MINUTES, HOLDOUT, DEVICE = "BASE", "BASE_WEIGHTS", "MINUTES", "HOLDOUT", \
    "DEVICE"
DETAIL, ONNX_TWIN = "DETAIL", "ONNX_TWIN"
OUTPUT, REPORT, ONNX = "OUTPUT", "REPORT", "ONNX"
MASK_KINDS = ("any non-zero value is cloud", "Sentinel-2 scene classification (SCL)")
DEVICES = ("auto", "cpu", "cuda")
SCORE_OUTPUTS = {  # output name -> (predictor, metric)
    "MSE_ADAPTED": ("adapted", "mse"), "MSE_BASE": ("base", "mse"),
    "MSE_FLAT": ("flat colour", "mse"), "SSIM_ADAPTED": ("adapted", "ssim"),
    "SSIM_BASE": ("base", "ssim"), "SSIM_FLAT": ("flat colour", "ssim"),
}

HELP = """Fine-tunes a model on <b>your own site</b>: a Sentinel-1 acquisition (VV, VH) and a \
cloud-free optical image of the same area from about the same time (a 3-band RGB or a \
Sentinel-2 stack; any CRS and resolution). A few minutes teach the model the site's colours \
and textures; the adapted weights then translate later SAR acquisitions taken under clouds.

<b>Bands</b>: red, green and blue are found from the band names (B4, B3, B2) when not set. \
<b>Cloud mask</b> (optional): pixels to leave out, either any non-zero value or the \
Sentinel-2 SCL classes cloud, cloud shadow, snow, no data.
<b>Base model</b>: the weights to start from (automatic: the bundled fusion model with a DEM, \
the SAR-only one without).
<b>Detail head</b> (advanced): the width of a full-resolution head added to a SARDINet base \
for finer texture (0: none; see docs/ADAPT.md for what it does on real pairs).
<b>Incidence angle, heading, look</b> (advanced; with a DEM): the acquisition geometry of the \
per-region scores. Left empty, they are read from the SAR file's metadata; when it does not \
state them, Sentinel-1 descending values are assumed and the log says so (the adapted \
weights do not depend on them).
<b>ONNX twin</b> (advanced, on by default): also writes the weights as an .onnx file beside \
them, so translation runs them on ONNX Runtime or OpenVINO, 1.5 to 2.5 times as fast on CPU \
(needs the onnx and onnxruntime packages; without them the log says so).
<b>Honest check</b>: a share of the area (whole blocks) is kept apart; the adapted model, the \
base model and a flat patch of the training part's mean colour are scored on it. When the \
adapted model does not beat the flat colour, do not trust it there."""


class AdaptAlgorithm(QgsProcessingAlgorithm):
    """Processing wrapper around ``sardine.training.adapt.adapt``."""

    def __init__(self) -> None:
        super().__init__()
        self._config = None

    def name(self) -> str:
        return "adapt"

    def displayName(self) -> str:  # noqa: N802
        return "Adapt a model to this area"

    def shortHelpString(self) -> str:  # noqa: N802
        return HELP

    def icon(self) -> QIcon:
        return icon("sardine.svg")

    def createInstance(self) -> AdaptAlgorithm:  # noqa: N802
        return AdaptAlgorithm()

    def initAlgorithm(self, config: dict | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(SAR, "SAR raster (VV, VH)"))
        self.addParameter(QgsProcessingParameterRasterLayer(
            OPTICAL, "Cloud-free optical image of the same site"))
        for key, colour in ((RED, "Red"), (GREEN, "Green"), (BLUE, "Blue")):
            self.addParameter(QgsProcessingParameterBand(
                key, f"{colour} band (not set: found from the band names)", None, OPTICAL,
                optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            DEM, "DEM (needed by the fusion models)", optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            CLOUD_MASK, "Cloud mask", optional=True))
        kind = QgsProcessingParameterEnum(MASK_KIND, "Cloud mask values",
                                          options=list(MASK_KINDS), defaultValue=MASK_KINDS[0])
        kind.setUsesStaticStrings(True)
        self.addParameter(kind)
        names = [AUTOMATIC, *(m.name for m in bundled_models())]
        base = QgsProcessingParameterEnum(BASE, "Base model", options=names,
                                          defaultValue=AUTOMATIC)
        base.setUsesStaticStrings(True)
        self.addParameter(base)
        self.addParameter(QgsProcessingParameterFile(
            BASE_WEIGHTS, "Base weights file (replaces the base model above)",
            extension="safetensors", optional=True))
        low, high = LIMITS["minutes"]
        self.addParameter(QgsProcessingParameterNumber(
            MINUTES, "Minutes of adaptation", QgsProcessingParameterNumber.Double,
            default("minutes"), minValue=low, maxValue=high))
        low, high = LIMITS["holdout"]
        holdout = QgsProcessingParameterNumber(
            HOLDOUT, "Share of the area kept for the check", QgsProcessingParameterNumber.Double,
            default("holdout"), minValue=low, maxValue=high)
        holdout.setFlags(holdout.flags() | holdout.FlagAdvanced)
        self.addParameter(holdout)
        low, high = LIMITS["detail"]
        detail = QgsProcessingParameterNumber(
            DETAIL, "Detail head width (0: none; SARDINet bases)",
            QgsProcessingParameterNumber.Integer, default("detail"), minValue=low,
            maxValue=high)
        detail.setFlags(detail.flags() | detail.FlagAdvanced)
        self.addParameter(detail)
        add_geometry_parameters(self, advanced=True)
        twin = QgsProcessingParameterBoolean(
            ONNX_TWIN, "Also write an ONNX twin (.onnx beside the weights: faster translation)",
            default("onnx_twin"))
        twin.setFlags(twin.flags() | twin.FlagAdvanced)
        self.addParameter(twin)
        device = QgsProcessingParameterEnum(DEVICE, "Device", options=list(DEVICES),
                                            defaultValue=DEVICES[0])
        device.setUsesStaticStrings(True)
        device.setFlags(device.flags() | device.FlagAdvanced)
        self.addParameter(device)
        self.addParameter(QgsProcessingParameterFileDestination(
            OUTPUT, "Adapted weights", "Sardine weights (*.safetensors)"))
        self.addParameter(QgsProcessingParameterFolderDestination(
            REPORT, "Report folder (report.md, figure.png)", optional=True,
            createByDefault=False))
        for name, (predictor, metric) in SCORE_OUTPUTS.items():
            self.addOutput(QgsProcessingOutputNumber(
                name, f"Held-out {metric.upper()} of the {predictor}"))
        self.addOutput(QgsProcessingOutputBoolean(
            "BEATS_FLAT", "The adapted model beats the flat colour on held-out ground"))
        self.addOutput(QgsProcessingOutputString("VERDICT", "Verdict"))
        self.addOutput(QgsProcessingOutputFile(ONNX, "ONNX twin of the adapted weights"))

    def build_config(self, parameters: dict[str, Any], context: QgsProcessingContext):
        from ..training.adapt import AdaptConfig

        sar = layer_file(self.parameterAsRasterLayer(parameters, SAR, context), "SAR")
        optical_layer = self.parameterAsRasterLayer(parameters, OPTICAL, context)
        optical = layer_file(optical_layer, "optical")
        dem_layer = self.parameterAsRasterLayer(parameters, DEM, context)
        mask_layer = self.parameterAsRasterLayer(parameters, CLOUD_MASK, context)
        mask = layer_file(mask_layer, "cloud mask") if mask_layer is not None else None
        scl = self.parameterAsEnumString(parameters, MASK_KIND, context) == MASK_KINDS[1]
        bands = tuple(self.parameterAsInt(parameters, key, context) for key in (RED, GREEN, BLUE))
        if any(bands) and not all(bands):
            raise InputError("Set all three of the red, green and blue bands, or none (then "
                             "they are found from the band names).")
        base = self.parameterAsFile(parameters, BASE_WEIGHTS, context) or \
            self.parameterAsEnumString(parameters, BASE, context)
        out = Path(self.parameterAsFileOutput(parameters, OUTPUT, context))
        if out.suffix.lower() != ".safetensors":
            out = out.with_suffix(".safetensors")
        report = self.parameterAsString(parameters, REPORT, context)
        incidence, heading, look = geometry_values(self, parameters, context)
        return AdaptConfig(
            sar=sar, optical=optical, out=out,
            dem=layer_file(dem_layer, "DEM") if dem_layer is not None else None,
            optical_bands=bands if all(bands) else None,  # type: ignore[arg-type]
            cloud_mask=None if scl else mask, scl=mask if scl else None,
            base=None if base in ("", AUTOMATIC) else base,
            minutes=self.parameterAsDouble(parameters, MINUTES, context),
            holdout=self.parameterAsDouble(parameters, HOLDOUT, context),
            device=self.parameterAsEnumString(parameters, DEVICE, context) or "auto",
            report=Path(report) if report else None,
            detail=self.parameterAsInt(parameters, DETAIL, context),
            onnx_twin=self.parameterAsBoolean(parameters, ONNX_TWIN, context),
            incidence=incidence, heading=heading, look=look)

    def prepareAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Resolve project layers to files here, in the thread that owns the project."""
        with qgis_errors(feedback):
            require_dependencies()
            self._config = self.build_config(parameters, context)
        return True

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        with qgis_errors(feedback):
            from ..training.adapt import adapt

            config = self._config or self.build_config(parameters, context)
            result = adapt(config, core_feedback(feedback))
        verdict = result.verdict()
        for line in verdict:
            (feedback.pushWarning if "WARNING" in line else feedback.pushInfo)(line)
        outputs: dict[str, Any] = {OUTPUT: str(result.out),
                                   ONNX: str(result.onnx) if result.onnx else None,
                                   REPORT: str(result.report_dir) if result.report_dir else None,
                                   "BEATS_FLAT": result.beats_flat, "VERDICT": "\n".join(verdict)}
        for name, (predictor, metric) in SCORE_OUTPUTS.items():
            outputs[name] = float(result.scores[predictor]["regions"]["global"][metric])
        return outputs
