"""How Sardine's outputs look on the map: the optical layer as true colour with one stretch
for all three bands (per-band stretches shift the hue of a translated image), estimated on
valid pixels only (the output's mask shows as transparency, not as black), the
distortion mask as a categorized (paletted) layer whose "none" class is transparent so the
optical layer shows through where the radar geometry is fine.

The styles are also saved as ``<output>.qml`` beside each output, so the layer looks the
same whether it comes from the dock, the toolbox, batch mode or ``qgis_process``.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from qgis.core import (
    Qgis,
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsRaster,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtGui import QColor

from ..core.distortion.codes import CODES, COLORS, NODATA, NONE

# code -> (label, colour), from the one definition in core (nodata is left out: transparent).
DISTORTION_CLASSES: dict[int, tuple[str, QColor]] = {
    code: ("none (reliable)" if code == NONE else name, QColor(*COLORS[code]))
    for code, name in CODES.items() if code != NODATA
}
STRETCH_PERCENTILES = (2.0, 98.0)  # ignore the darkest and brightest 2 % of valid pixels
MASK_OPACITY = 0.5  # the optical layer stays readable under layover/shadow colours
SAMPLE_PIXELS = 512 * 512  # the stretch is estimated on an overview of about this size
NUMPY_TYPES = {Qgis.Byte: np.uint8, Qgis.UInt16: np.uint16, Qgis.Int16: np.int16,
               Qgis.UInt32: np.uint32, Qgis.Int32: np.int32, Qgis.Float32: np.float32,
               Qgis.Float64: np.float64}


def alpha_band(layer: QgsRasterLayer) -> int | None:
    """The band QGIS exposes for the output's internal validity mask, if any."""
    provider = layer.dataProvider()
    for band in range(1, layer.bandCount() + 1):
        if provider.colorInterpretation(band) == QgsRaster.AlphaBand:
            return band
    return None


def _sample(layer: QgsRasterLayer, band: int, width: int, height: int) -> np.ndarray:
    """An overview of ``band`` as float64 with nodata as NaN."""
    provider = layer.dataProvider()
    block = provider.block(band, layer.extent(), width, height)
    dtype = NUMPY_TYPES.get(provider.dataType(band))
    if dtype is None:
        raise ValueError(f"Band {band} of {layer.name()} has an unsupported data type.")
    values = np.frombuffer(block.data(), dtype=dtype).reshape(height, width).astype(np.float64)
    if provider.sourceHasNoDataValue(band):
        values[values == provider.sourceNoDataValue(band)] = np.nan
    return values


def stretch_limits(layer: QgsRasterLayer) -> tuple[float, float]:
    """One (low, high) for the three bands: the widest of their 2-98 % ranges over valid
    pixels (outside the mask and nodata), so no band clips and the hue stays."""
    scale = min(1.0, math.sqrt(SAMPLE_PIXELS / max(1, layer.width() * layer.height())))
    width = max(1, round(layer.width() * scale))
    height = max(1, round(layer.height() * scale))
    bands = np.stack([_sample(layer, band, width, height) for band in (1, 2, 3)])
    alpha = alpha_band(layer)
    if alpha is not None:
        bands[:, _sample(layer, alpha, width, height) == 0] = np.nan
    valid = np.isfinite(bands).all(axis=0)
    if not valid.any():
        return 0.0, 255.0
    lows, highs = np.percentile(bands[:, valid], STRETCH_PERCENTILES, axis=1)
    low, high = float(lows.min()), float(highs.max())
    return (low, high) if high > low else (low, low + 1.0)


def style_optical(layer: QgsRasterLayer) -> None:
    """True-colour RGB, one 2-98 % stretch for the three bands, the mask as alpha."""
    if layer.bandCount() < 3:
        raise ValueError(f"{layer.name()} has {layer.bandCount()} band(s); RGB needs 3.")
    provider = layer.dataProvider()
    low, high = stretch_limits(layer)
    renderer = QgsMultiBandColorRenderer(provider, 1, 2, 3)
    enhancements = []
    for band in (1, 2, 3):
        enhancement = QgsContrastEnhancement(provider.dataType(band))
        enhancement.setContrastEnhancementAlgorithm(
            QgsContrastEnhancement.StretchToMinimumMaximum, True)
        enhancement.setMinimumValue(low)
        enhancement.setMaximumValue(high)
        enhancements.append(enhancement)
    renderer.setRedContrastEnhancement(enhancements[0])
    renderer.setGreenContrastEnhancement(enhancements[1])
    renderer.setBlueContrastEnhancement(enhancements[2])
    alpha = alpha_band(layer)
    if alpha is not None:
        renderer.setAlphaBand(alpha)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def style_distortion(layer: QgsRasterLayer) -> None:
    """Categorized (paletted) renderer: none / foreshortening / layover / shadow."""
    classes = [QgsPalettedRasterRenderer.Class(code, colour, label)
               for code, (label, colour) in DISTORTION_CLASSES.items()]
    renderer = QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes)
    renderer.setOpacity(MASK_OPACITY)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


CHANGE_BAND = 4  # change.tif: the combined score (core/change/layers.py)
# Combined scores up to this are drawn transparent. 0.5: on a simulated 384 px landslide
# pair (sardinet-late), 18 % of unchanged pixels score above it and 92 % of scar pixels;
# at 0.3 half the unchanged ground was tinted (docs/CHANGE.md).
CHANGE_THRESHOLD = 0.5
CLEAR = QColor(0, 0, 0, 0)
# (score, colour): transparent up to the threshold (two clear stops, so that the
# interpolation never tints low scores), then a sequential ramp from yellow to dark red.
CHANGE_RAMP = ((0.0, CLEAR), (CHANGE_THRESHOLD, CLEAR),
               (CHANGE_THRESHOLD + 0.01, QColor(255, 237, 160, 210)),
               (0.75, QColor(253, 141, 60, 235)), (1.0, QColor(189, 0, 38, 255)))
# (trust, colour): a grey veil, opaque where the radar cannot be trusted, clear where it can.
TRUST_RAMP = ((0.0, QColor(90, 90, 90, 200)), (0.5, QColor(140, 140, 140, 110)),
              (1.0, QColor(255, 255, 255, 0)))


def _ramp(layer: QgsRasterLayer, band: int, stops: tuple, label: str) -> None:
    """A linearly interpolated colour ramp on ``band`` with alpha in the colours."""
    shader_fn = QgsColorRampShader(stops[0][0], stops[-1][0])
    shader_fn.setColorRampType(QgsColorRampShader.Interpolated)
    shader_fn.setColorRampItemList([QgsColorRampShader.ColorRampItem(value, colour,
                                                                     f"{label} {value:g}")
                                    for value, colour in stops])
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_fn)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)
    renderer.setClassificationMin(stops[0][0])
    renderer.setClassificationMax(stops[-1][0])
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def style_change(layer: QgsRasterLayer) -> None:
    """The combined change score, yellow to red; unchanged ground (below the threshold)
    transparent so the post-event optical shows through."""
    _ramp(layer, CHANGE_BAND, CHANGE_RAMP, "change score")


def style_trust(layer: QgsRasterLayer) -> None:
    """Trust as a grey veil over the layers below: dense where trust is low, clear at 1."""
    _ramp(layer, 1, TRUST_RAMP, "trust")


STYLES = {"optical": style_optical, "distortion": style_distortion, "change": style_change,
          "trust": style_trust}


def save_style_sidecar(path: str | Path, kind: str) -> Path:
    """Style the raster at ``path`` (``kind`` "optical" or "distortion") and save the style
    as ``<path without suffix>.qml``, which QGIS loads as the layer's default style."""
    layer = QgsRasterLayer(str(path), Path(path).stem, "gdal")
    if not layer.isValid():
        raise ValueError(f"Cannot open {path} to style it.")
    STYLES[kind](layer)
    qml = Path(path).with_suffix(".qml")
    message, ok = layer.saveNamedStyle(str(qml))
    if not ok:
        raise OSError(f"Cannot save the style {qml}: {message}")
    return qml
