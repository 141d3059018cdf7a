"""QGIS-free translation core: models, weights, normalisation, raster I/O, the windowed
engine, distortion masks, enhancement. Imports numpy/torch/rasterio only: never qgis, training,
cli, processing or ui."""
