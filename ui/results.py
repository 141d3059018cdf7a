"""Put a finished translation on the map: the optical layer and, when asked for, the
distortion mask above it (half transparent), both in one group so they move and hide
together. Styles are not computed here: Processing saved each output's style beside it
(``.qml``), which QGIS applies on opening, so the dock and the toolbox show the same."""
from __future__ import annotations

from dataclasses import dataclass

from qgis.core import QgsProject, QgsRasterLayer


@dataclass
class AddedLayers:
    """What ``add_results`` put in the project."""

    optical: QgsRasterLayer
    distortion: QgsRasterLayer | None = None


def _open(path: str, name: str) -> QgsRasterLayer:
    layer = QgsRasterLayer(path, name, "gdal")  # loads the saved .qml as its style
    if not layer.isValid():
        raise OSError(f"QGIS cannot open the output {path}.")
    return layer


def add_results(project: QgsProject, optical_path: str, name: str,
                distortion_path: str | None = None) -> AddedLayers:
    """Add the outputs on top of the layer tree, grouped when there is a mask."""
    optical = _open(optical_path, name)
    if not distortion_path:
        project.addMapLayer(optical)
        return AddedLayers(optical)
    distortion = _open(distortion_path, f"{name} distortion mask")
    group = project.layerTreeRoot().insertGroup(0, name)
    for layer in (distortion, optical):  # mask first: it draws (half transparent) above
        project.addMapLayer(layer, False)
        group.addLayer(layer)
    return AddedLayers(optical, distortion)
