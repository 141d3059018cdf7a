"""QGIS-free core of Sardine: models, windowed translation, raster I/O, masks, metrics."""
