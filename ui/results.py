"""Put a finished translation on the map: the optical layer and, when asked for, the trust
layer (a grey veil) and the distortion mask (half transparent) above it, all in one group so
they move and hide together; and find the group a change run added. Styles are not computed
here: Processing saved each output's style beside it (``.qml``), which QGIS applies on
opening, so the dock and the toolbox show the same."""
from __future__ import annotations

from dataclasses import dataclass

from qgis.core import QgsLayerTreeGroup, QgsProject, QgsRasterLayer


@dataclass
class AddedLayers:
    """What ``add_results`` put in the project."""

    optical: QgsRasterLayer
    distortion: QgsRasterLayer | None = None
    trust: QgsRasterLayer | None = None


def _open(path: str, name: str) -> QgsRasterLayer:
    layer = QgsRasterLayer(path, name, "gdal")  # loads the saved .qml as its style
    if not layer.isValid():
        raise OSError(f"QGIS cannot open the output {path}.")
    return layer


def add_results(project: QgsProject, optical_path: str, name: str,
                distortion_path: str | None = None, trust_path: str | None = None
                ) -> AddedLayers:
    """Add the outputs on top of the layer tree, grouped when there is a mask or a trust
    layer."""
    added = AddedLayers(
        _open(optical_path, name),
        _open(distortion_path, f"{name} distortion mask") if distortion_path else None,
        _open(trust_path, f"{name} trust") if trust_path else None)
    if added.distortion is None and added.trust is None:
        project.addMapLayer(added.optical)
        return added
    group = project.layerTreeRoot().insertGroup(0, name)
    # Top first: the veil and the half-transparent mask draw over the optical layer.
    for layer in (added.trust, added.distortion, added.optical):
        if layer is not None:
            project.addMapLayer(layer, False)
            group.addLayer(layer)
    return added


def change_group(project: QgsProject, title: str) -> QgsLayerTreeGroup:
    """The group ``sardine:change`` just added (inserted on top: the first of that name)."""
    group = project.layerTreeRoot().findGroup(title)
    if group is None or not group.findLayers():
        raise OSError(f"The change layers were written but could not be added to the "
                      f"project ('{title}'); see the log (Sardine tab).")
    return group
