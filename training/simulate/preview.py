"""A PNG of one scene: SAR false colour | DEM hillshade | optical | distortion masks.

Why: the simulator's output must be checked by eye (does it look like mountains seen by a
radar and by a camera?), and the same figure documents the simulator in ``docs/``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...core.atomic import atomic_output, check_output_path
from ...core.distortion import FORESHORTENING, LAYOVER, SHADOW
from .optical import hillshade
from .scene import Scene

MASK_COLOURS = {FORESHORTENING: (1.0, 0.75, 0.15), LAYOVER: (0.86, 0.12, 0.12),
                SHADOW: (0.15, 0.2, 0.65)}


def _stretch(values: np.ndarray) -> np.ndarray:
    """2 to 98 % percentile stretch to [0, 1], as for a quick-look; NaN becomes 0."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape)
    lo, hi = np.percentile(finite, [2.0, 98.0])
    return np.clip((np.nan_to_num(values, nan=lo) - lo) / max(hi - lo, 1e-6), 0.0, 1.0)


def _shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks of an (H, W, C) image (also multilooks SAR)."""
    if factor <= 1:
        return image
    h, w = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    blocks = image[:h, :w].reshape(h // factor, factor, w // factor, factor, -1)
    return blocks.mean(axis=(1, 3))


def panels(scene: Scene) -> list[tuple[str, np.ndarray]]:
    """The four (title, RGB float image in [0, 1]) panels."""
    sar = np.stack([_stretch(scene.sar_db[0]), _stretch(scene.sar_db[1]),
                    np.zeros(scene.sar_db.shape[1:])], axis=-1)
    dem = np.nan_to_num(scene.dem, nan=float(np.nanmin(scene.dem)))
    shade = np.clip(hillshade(dem, scene.grid.pixel_size[0], 315.0, 45.0) * 0.75, 0.0, 1.0)
    span = max(float(np.ptp(dem)), 1.0)
    tint = np.stack([0.55 + 0.45 * (dem - dem.min()) / span] * 3, axis=-1)
    relief = shade[..., None] * tint
    optical = np.moveaxis(scene.optical, 0, -1).astype(np.float64) / 255.0
    masks = np.repeat((0.35 + 0.6 * shade)[..., None], 3, axis=-1)
    for code, colour in MASK_COLOURS.items():
        masks[scene.distortion == code] = colour
    g = scene.geometry
    return [
        (f"SAR [VV, VH, 0] dB, 2-98 % stretch (inc. {g.incidence_deg:g}, "
         f"heading {g.heading_deg:g})", sar),
        (f"DEM hillshade ({np.nanmin(scene.dem):.0f} to {np.nanmax(scene.dem):.0f} m)", relief),
        ("optical (RGB)", optical),
        ("masks: foreshortening, layover, shadow", masks),
    ]


def render_preview(scene: Scene, out_path: str | os.PathLike, panel_px: int = 640) -> Path:
    """Write the four panels side by side as a PNG, each about ``panel_px`` pixels wide
    (SAR and optical are block-averaged when shrunk, as a multilooked quick-look)."""
    from ...core.mpl import quiet_matplotlib

    quiet_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    out = check_output_path(out_path)
    factor = max(1, int(round(max(scene.grid.shape) / panel_px)))
    fig = Figure(figsize=(20.0, 5.7), dpi=panel_px / 4.6)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 4)
    for ax, (title, image) in zip(axes, panels(scene), strict=True):
        ax.imshow(_shrink(image, factor), interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [Patch(color=colour, label=name) for name, colour in
               (("foreshortening", MASK_COLOURS[FORESHORTENING]),
                ("layover", MASK_COLOURS[LAYOVER]), ("shadow", MASK_COLOURS[SHADOW]))]
    axes[3].legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.85)
    extent_km = scene.grid.width * scene.grid.pixel_size[0] / 1000.0
    fig.suptitle(f"Sardine simulated scene, seed {scene.spec.seed}: {extent_km:.1f} km square, "
                 f"{scene.grid.pixel_size[0]:g} m pixels, {scene.spec.looks:g} looks; "
                 "north up", fontsize=11)
    fig.tight_layout()
    with atomic_output(out) as tmp:
        fig.savefig(tmp, format="png")
    return out
