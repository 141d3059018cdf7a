"""``sardine:distortion_mask``: where the radar geometry makes a translation unreliable
(foreshortening, layover, shadow), from a DEM and the acquisition geometry alone."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import SardineError
from .common import core_feedback, layer_file, qgis_errors, require_dependencies
from .geometry_params import GEOMETRY_HELP, add_geometry_parameters, geometry_values
from .icons import icon
from .styles import save_style_sidecar

if TYPE_CHECKING:  # rasterio is imported only when the algorithm runs
    from ..core.grid import RasterGrid

DEM, TARGET, OUTPUT = "DEM", "TARGET", "OUTPUT"

HELP = """Computes a radar distortion mask from a DEM: 0 none, 1 foreshortening (slopes facing \
the sensor, compressed and bright), 2 layover (slopes steeper than the incidence angle), 3 \
shadow (slopes hidden from the sensor); 255 where the DEM has no data. The output is styled \
by category. Give a <b>grid raster</b> (for example the SAR raster) to get the mask in that \
raster's grid and CRS (and, when the grid raster states them, its incidence angle and \
heading); otherwise it follows the DEM's grid.

""" + GEOMETRY_HELP


class DistortionMaskAlgorithm(QgsProcessingAlgorithm):
    """Processing wrapper around ``sardine.core.distortion.write_distortion_raster``."""

    def __init__(self) -> None:
        super().__init__()
        self._paths: tuple[Path, Path | None] | None = None

    def name(self) -> str:
        return "distortion_mask"

    def displayName(self) -> str:  # noqa: N802
        return "Radar distortion mask (foreshortening, layover, shadow)"

    def shortHelpString(self) -> str:  # noqa: N802
        return HELP

    def icon(self) -> QIcon:
        return icon("distortion.svg")

    def createInstance(self) -> DistortionMaskAlgorithm:  # noqa: N802
        return DistortionMaskAlgorithm()

    def initAlgorithm(self, config: dict | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterRasterLayer(DEM, "DEM"))
        self.addParameter(QgsProcessingParameterRasterLayer(
            TARGET, "Grid raster (e.g. the SAR raster; optional)", optional=True))
        add_geometry_parameters(self)
        self.addParameter(QgsProcessingParameterRasterDestination(OUTPUT, "Distortion mask"))

    def _resolve(self, parameters: dict[str, Any],
                 context: QgsProcessingContext) -> tuple[Path, Path | None]:
        dem = layer_file(self.parameterAsRasterLayer(parameters, DEM, context), "DEM")
        target_layer = self.parameterAsRasterLayer(parameters, TARGET, context)
        return dem, layer_file(target_layer, "grid") if target_layer is not None else None

    def checkParameterValues(self, parameters: dict[str, Any],  # noqa: N802
                             context: QgsProcessingContext) -> tuple[bool, str]:
        """Refuse web, memory and database layers before any run."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            self._resolve(parameters, context)
        except SardineError as exc:
            return False, str(exc)
        return True, ""

    def prepareAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Resolve project layers to files in the thread that owns the project."""
        with qgis_errors(feedback):
            self._paths = self._resolve(parameters, context)
        return True

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        out = Path(self.parameterAsOutputLayer(parameters, OUTPUT, context))
        with qgis_errors(feedback):
            require_dependencies(("rasterio", "scipy"))
            from ..core.distortion import write_distortion_raster
            from ..core.sar_metadata import resolve_geometry

            dem, target = self._paths or self._resolve(parameters, context)
            incidence, heading, look = geometry_values(self, parameters, context)
            notes: list[str] = []
            geometry = resolve_geometry(incidence, heading, look, target, notes)
            for note in notes:
                feedback.pushInfo(note)
            written = write_distortion_raster(dem, out, geometry, feedback=core_feedback(feedback),
                                              target=_grid_of(target) if target else None)
        path = Path(written) if written else out
        try:
            save_style_sidecar(path, "distortion")
        except (OSError, ValueError) as exc:
            feedback.pushWarning(f"Mask written, but its style was not saved: {exc}")
        return {OUTPUT: str(path)}


def _grid_of(path: Path) -> RasterGrid:
    """The grid (CRS, transform, size) of the raster at ``path``."""
    import rasterio

    from ..core.grid import RasterGrid

    with rasterio.open(path) as ds:
        return RasterGrid.from_dataset(ds)
