"""PNG previews of scenes and translations, side by side on one grid.

Every raster is read through a WarpedVRT onto a decimated copy of a reference grid (the
SAR's), so panels line up whatever each raster's CRS and resolution, and memory depends on
the preview's size only. Rendering uses matplotlib's Agg canvas directly (no pyplot, no
global backend switch), so it is safe inside QGIS and in threads.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT

from .atomic import atomic_output
from .grid import RasterGrid
from .normalization import Normalization, linear_to_db, looks_linear


@dataclass
class Panel:
    title: str
    image: np.ndarray  # (h, w, 3) RGB in [0, 1], or (h, w) grey in [0, 1]
    valid: np.ndarray | None = None  # (h, w) bool; invalid pixels drawn transparent


def preview_grid(grid: RasterGrid, max_side: int = 768) -> RasterGrid:
    """``grid`` decimated so that its longer side is at most ``max_side`` pixels."""
    scale = max(1.0, max(grid.width, grid.height) / float(max_side))
    width = max(1, round(grid.width / scale))
    height = max(1, round(grid.height / scale))
    t = grid.transform * Affine.scale(grid.width / width, grid.height / height)
    return RasterGrid(grid.crs, t, width, height)


def read_on_grid(path: str | os.PathLike, grid: RasterGrid, bands: Sequence[int],
                 resampling: Resampling = Resampling.average
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Bands of ``path`` warped onto ``grid``: float32 (C, h, w) and a validity mask
    (GDAL's warper turns the source's nodata and mask band into NaN)."""
    with rasterio.open(path) as src:
        with WarpedVRT(src, crs=grid.crs, transform=grid.transform, width=grid.width,
                       height=grid.height, resampling=resampling, src_nodata=src.nodata,
                       nodata=float("nan"), dtype="float32") as vrt:
            data = vrt.read(list(bands))
    return data, np.isfinite(data).all(axis=0)


def sar_false_colour(sar: np.ndarray, normalization: Normalization | None = None
                     ) -> np.ndarray:
    """(2, h, w) VV, VH (dB, or linear converted) -> (h, w, 3) [VV, VH, 0] in [0, 1]."""
    norm = normalization or Normalization()
    if looks_linear(sar[0]):
        sar = linear_to_db(sar)
    unit = norm.sar_to_unit(sar[:2])
    rgb = np.zeros(sar.shape[1:] + (3,), dtype=np.float32)
    rgb[..., 0], rgb[..., 1] = unit[0], unit[1]
    return np.nan_to_num(rgb)


def hillshade(dem: np.ndarray, pixel_size_m: tuple[float, float], azimuth_deg: float = 315.0,
              altitude_deg: float = 45.0) -> np.ndarray:
    """Lambertian hillshade in [0, 1] of a (h, w) DEM in metres (NaN -> 0)."""
    filled = np.where(np.isfinite(dem), dem, np.nanmean(dem) if np.isfinite(dem).any() else 0)
    dy, dx = np.gradient(filled.astype(np.float64), pixel_size_m[1], pixel_size_m[0])
    slope = np.arctan(np.hypot(dx, dy))
    aspect = np.arctan2(-dx, dy)
    az, alt = math.radians(360.0 - azimuth_deg + 90.0), math.radians(altitude_deg)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0.0, 1.0).astype(np.float32)


def render_panels(panels: Sequence[Panel], out_png: str | os.PathLike, title: str = "",
                  panel_inches: float = 4.0, dpi: int = 110) -> Path:
    """Panels in one row, written atomically as a PNG."""
    from .mpl import quiet_matplotlib

    quiet_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = max(1, len(panels))
    h, w = panels[0].image.shape[:2] if panels else (1, 1)
    fig = Figure(figsize=(panel_inches * n, panel_inches * h / max(w, 1) + 0.6), dpi=dpi)
    FigureCanvasAgg(fig)
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(1, n, i + 1)
        image = np.clip(panel.image, 0.0, 1.0)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        if panel.valid is not None:
            image = np.concatenate([image, panel.valid[..., None].astype(image.dtype)], axis=2)
        ax.imshow(image, interpolation="nearest")
        ax.set_title(panel.title, fontsize=10)
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    out = Path(out_png)
    with atomic_output(out) as tmp:
        fig.savefig(tmp, format="png")
    return out


def scene_preview(sar_path: str | os.PathLike, dem_path: str | os.PathLike | None,
                  translation_path: str | os.PathLike, truth_path: str | os.PathLike | None,
                  out_png: str | os.PathLike, sar_bands: Sequence[int] = (1, 2),
                  normalization: Normalization | None = None, max_side: int = 768,
                  title: str = "") -> Path:
    """SAR [VV, VH, 0] | DEM hillshade | translation | ground truth, on the SAR's grid."""
    with rasterio.open(sar_path) as src:
        grid = preview_grid(RasterGrid.from_dataset(src), max_side)
    sar, sar_valid = read_on_grid(sar_path, grid, sar_bands)
    panels = [Panel("SAR [VV, VH, 0]", sar_false_colour(sar, normalization), sar_valid)]
    if dem_path is not None:
        dem, dem_valid = read_on_grid(dem_path, grid, (1,), Resampling.bilinear)
        dem[0][~dem_valid] = np.nan
        panels.append(Panel("DEM hillshade", hillshade(dem[0], grid.metric_pixel_size()),
                            dem_valid))
    rgb, valid = read_on_grid(translation_path, grid, (1, 2, 3))
    panels.append(Panel("translation", np.moveaxis(rgb, 0, -1) / 255.0, valid))
    if truth_path is not None:
        truth, truth_valid = read_on_grid(truth_path, grid, (1, 2, 3))
        panels.append(Panel("ground truth", np.moveaxis(truth, 0, -1) / 255.0, truth_valid))
    return render_panels(panels, out_png, title)
