"""Which project layer looks like the DEM, so the DEM picker starts on it: single band,
elevation-like data type (not a byte mask or classification), preferring a name that says
DEM/DTM/SRTM/elevation..."""
from __future__ import annotations

import re
from pathlib import Path

from qgis.core import Qgis, QgsMapLayer, QgsRasterLayer

DEM_NAME = re.compile(r"(?<![a-z])(dem|dtm|dsm|elev\w*|height\w*|srtm|copdem|glo-?30|"
                      r"glo-?90|alos|aster|relief|terrain)(?![a-z])", re.IGNORECASE)
HEIGHT_TYPES = (Qgis.Int16, Qgis.UInt16, Qgis.Int32, Qgis.UInt32, Qgis.Float32, Qgis.Float64)


def looks_like_dem(layer: QgsMapLayer | None) -> bool:
    """One band of heights (integer or float, not bytes) in a file-backed raster."""
    return (isinstance(layer, QgsRasterLayer) and layer.isValid() and layer.bandCount() == 1
            and layer.providerType() == "gdal"
            and layer.dataProvider().dataType(1) in HEIGHT_TYPES)


def guess_dem(layers: list[QgsMapLayer], sar: QgsMapLayer | None) -> QgsRasterLayer | None:
    """The first DEM-like layer, one named like a DEM first; None when none looks like it."""
    candidates = [layer for layer in layers if layer is not sar and looks_like_dem(layer)]
    named = [layer for layer in candidates
             if DEM_NAME.search(layer.name()) or DEM_NAME.search(Path(layer.source()).stem)]
    return (named or candidates or [None])[0]
