"""``sardine:change``: pre- and post-event SAR translated with one model, their change and the
trust layer (``core.change.run_change``), loaded as one styled layer group:
trust (grey veil), change (yellow to red, transparent below a threshold), post, pre."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputString,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..core.bands import guess_polarisation_bands
from ..core.change.params import ChangeParams
from ..core.errors import SardineError
from .common import (
    core_feedback,
    layer_file,
    qgis_errors,
    require_dependencies,
)
from .engine_params import OVERLAP, TILE, add_engine_parameters, engine_values
from .geometry_params import GEOMETRY_HELP, add_geometry_parameters, geometry_values
from .icons import icon
from .model_params import add_model_parameters, model_from_parameters
from .styles import save_style_sidecar

PRE, POST, DEM, OUTPUT, GROUP = "PRE_SAR", "POST_SAR", "DEM", "OUTPUT", "GROUP"
NUMBERS = (TILE, OVERLAP)  # the engine settings a change run takes (no batch: core's own)
# (output, style, layer name), top of the group first.
LAYERS = (("trust", "trust", "trust"), ("change", "change", "change"),
          ("post_optical", "optical", "post-event optical"),
          ("pre_optical", "optical", "pre-event optical"))

HELP = """Translates a pre-event and a post-event Sentinel-1 acquisition (VV and VH, same \
orbit geometry) with one model on the pre-event grid (the post-event raster is warped onto \
it), and maps where they changed and where the radar cannot be trusted. Writes \
pre_optical.tif, post_optical.tif, change.tif (colour difference in CIELAB, VV and VH \
log-ratio, combined score) and trust.tif (distortion x inputs inside the model's ranges \
x expected colour error) into the output \
folder, and adds them as one layer group. See docs/CHANGE.md.
<b>DEM</b>: needed by the fusion models and for the distortion part of the trust layer. \
""" + GEOMETRY_HELP


class ChangeAlgorithm(QgsProcessingAlgorithm):
    """Processing wrapper around ``sardine.core.change.run_change``."""

    def __init__(self) -> None:
        super().__init__()
        self._prepared: tuple[ChangeParams, str] | None = None
        self._result: tuple[dict[str, Path], str] | None = None

    def name(self) -> str:
        return "change"

    def displayName(self) -> str:  # noqa: N802
        return "Change (pre/post) with trust layer"

    def shortHelpString(self) -> str:  # noqa: N802
        return HELP

    def icon(self) -> QIcon:
        return icon("sardine.svg")

    def createInstance(self) -> ChangeAlgorithm:  # noqa: N802
        return ChangeAlgorithm()

    def initAlgorithm(self, config: dict | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(PRE, "Pre-event SAR (VV, VH)"))
        self.addParameter(QgsProcessingParameterRasterLayer(POST, "Post-event SAR (VV, VH)"))
        self.addParameter(QgsProcessingParameterRasterLayer(
            DEM, "DEM (fusion models; distortion part of the trust layer)", optional=True))
        add_model_parameters(self)
        add_engine_parameters(self, NUMBERS)
        add_geometry_parameters(self)
        self.addParameter(QgsProcessingParameterFolderDestination(OUTPUT, "Output folder"))
        self.addOutput(QgsProcessingOutputString(GROUP, "Layer group"))

    def _params(self, parameters: dict[str, Any], context: QgsProcessingContext
                ) -> ChangeParams:
        pre_layer = self.parameterAsRasterLayer(parameters, PRE, context)
        post_layer = self.parameterAsRasterLayer(parameters, POST, context)
        dem_layer = self.parameterAsRasterLayer(parameters, DEM, context)
        model = model_from_parameters(self, parameters, context, dem_layer is not None)
        incidence, heading, look = geometry_values(self, parameters, context)
        bands = [guess_polarisation_bands([layer.bandName(i)
                                           for i in range(1, layer.bandCount() + 1)]).bands
                 for layer in (pre_layer, post_layer)]
        return ChangeParams(
            pre_sar=layer_file(pre_layer, "pre-event SAR"),
            post_sar=layer_file(post_layer, "post-event SAR"),
            out_dir=Path(self.parameterAsString(parameters, OUTPUT, context)), model=model,
            dem_path=layer_file(dem_layer, "DEM") if dem_layer is not None else None,
            pre_bands=bands[0], post_bands=bands[1], incidence=incidence, heading=heading,
            look=look, **engine_values(self, parameters, context, NUMBERS))

    def checkParameterValues(self, parameters: dict[str, Any],  # noqa: N802
                             context: QgsProcessingContext) -> tuple[bool, str]:
        """Refuse a pair that cannot be compared (no overlap, other polarisations) and
        non-file layers before any run, with the core's message."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            require_dependencies(("rasterio",))
            from ..core.change import check_pair

            params = self._params(parameters, context)
            check_pair(Path(params.pre_sar), Path(params.post_sar))
        except (SardineError, QgsProcessingException) as exc:
            return False, str(exc)
        return True, ""

    def prepareAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Resolve the project layers in the thread that owns the project (the dock runs
        the algorithm in a background task)."""
        with qgis_errors(feedback):
            names = [self.parameterAsRasterLayer(parameters, key, context).name()
                     for key in (PRE, POST)]
            # The group is named after the layers the analyst picked.
            self._prepared = (self._params(parameters, context),
                              f"Change {names[0]} -> {names[1]}")
        return True

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        if self._prepared is None:
            raise RuntimeError("sardine:change ran without prepareAlgorithm")
        params, title = self._prepared
        with qgis_errors(feedback):
            require_dependencies()
            from ..core.change import run_change

            result = run_change(params, core_feedback(feedback))
        self._result = (result.paths, title)
        return {OUTPUT: str(params.out_dir), GROUP: title}

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802
                             feedback: QgsProcessingFeedback) -> dict[str, Any]:
        """In the main thread (QGIS layers made in the dock's worker thread fail at
        random): save each output's style beside it, then add one layer group: trust,
        change, post (shown), pre (hidden under post: tick it to compare)."""
        if self._result is None:
            return {}
        paths, title = self._result
        for name, kind, _label in LAYERS:
            try:
                save_style_sidecar(paths[name], kind)
            except (OSError, ValueError, RuntimeError) as exc:
                feedback.pushWarning(f"{name}.tif written, but its style was not saved: {exc}")
        project = context.project()
        if project is None:
            return {}
        group = project.layerTreeRoot().insertGroup(0, title)
        for name, _kind, label in LAYERS:
            layer = QgsRasterLayer(str(paths[name]), label, "gdal")  # loads the .qml style
            if not layer.isValid():
                feedback.pushWarning(f"Cannot load {paths[name]} into the project.")
                continue
            project.addMapLayer(layer, False)
            node = group.addLayer(layer)
            if name == "pre_optical":
                node.setItemVisibilityChecked(False)
        return {}
