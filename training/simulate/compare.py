"""Real against simulated, per land-cover class: the same statistics (``real_stats.py``) on
simulated images, and the comparison figure of ``sardine calibrate --figure``.

Simulated pixels get their class from the simulator's own land cover (meadow and fields are
"open", as in the real table), eroded by one pixel like the real masks. ``flat_scene`` is the
calibration's reference: every measured class on flat ground at 39 deg, where the calibrated
numbers must reproduce the table; ``simulate_scene`` output adds terrain on top.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from scipy import ndimage

from ...core.geometry import AcquisitionGeometry
from .landcover import BUILT, FIELDS, FOREST, MEADOW, VIGOUR_SPREAD, WATER, Cover, crop_parcels
from .noise import spectral_noise
from .optical import render_optical
from .real_stats import CLASSES, class_statistics
from .sar import simulate_sar

SIM_CLASSES = {"water": (WATER,), "forest": (FOREST,), "open": (MEADOW, FIELDS),
               "built": (BUILT,)}
FLAT_BANDS = (WATER, FOREST, MEADOW, FIELDS, BUILT)
FLAT_REPEATS = 4


def simulated_masks(landcover: np.ndarray) -> dict[str, np.ndarray]:
    return {name: ndimage.binary_erosion(np.isin(landcover, codes), iterations=1)
            for name, codes in SIM_CLASSES.items()}


def simulated_pairs(scenes: Iterable) -> Iterator[tuple[np.ndarray, np.ndarray, dict]]:
    """(sar dB, rgb in [0, 1], class masks) of simulated scenes (``Scene`` objects)."""
    for scene in scenes:
        yield (scene.sar_db, scene.optical.astype(np.float64) / 255.0,
               simulated_masks(scene.landcover))


def flat_cover(size: int, pixel_size: float, rng: np.random.Generator) -> Cover:
    """Bands of water, forest, meadow, fields and built-up (walls at every orientation,
    a street grid)."""
    # Bands repeated so that large-scale fields (wind, vigour) average out in every class.
    rows = np.arange(size) * len(FLAT_BANDS) * FLAT_REPEATS // size
    classes = np.asarray(FLAT_BANDS, np.uint8)[rows % len(FLAT_BANDS)][:, None].repeat(size, 1)
    noise = spectral_noise((size, size), pixel_size, rng, beta=1.6, corner_m=300.0)
    vigour = np.clip(0.5 + VIGOUR_SPREAD * noise, 0.0, 1.0)
    crop = np.where(classes == FIELDS, crop_parcels((size, size), pixel_size, rng), 0)
    azimuth = np.where(classes == BUILT, rng.uniform(0.0, 90.0, (size, size)), np.nan)
    grid = np.zeros((size, size), bool)
    grid[::6] = True
    grid[:, ::6] = True  # one street pixel in six each way: the simulator's village share
    return Cover(classes=classes, vigour=vigour.astype(np.float32), crop=crop.astype(np.uint8),
                 streets=grid & (classes == BUILT), wall_azimuth=azimuth.astype(np.float32))


def flat_scene(size: int = 320, seed: int = 0, pixel_size: float = 10.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sar dB, rgb uint8, classes) of the flat reference scene."""
    rng = np.random.default_rng(seed)
    cover = flat_cover(size, pixel_size, rng)
    dem = np.zeros((size, size), np.float32)
    geometry = AcquisitionGeometry(39.0, 190.0, "right")
    sar = simulate_sar(dem, cover, pixel_size, geometry, rng)
    rgb = render_optical(dem, cover, pixel_size, rng)
    return sar.sar_db, rgb, cover.classes


def flat_statistics(size: int = 320, seed: int = 0) -> dict[str, dict]:
    sar, rgb, classes = flat_scene(size, seed)
    return class_statistics([(sar, rgb / 255.0, simulated_masks(classes))])


def _pixels(pairs, name: str) -> tuple[np.ndarray, np.ndarray]:
    sar, rgb = [], []
    for sar_db, rgb_unit, masks in pairs:
        mask = masks[name] & np.isfinite(sar_db).all(axis=0)
        sar.append(sar_db[:, mask])
        rgb.append(rgb_unit[:, mask])
    return np.concatenate(sar, axis=1), np.concatenate(rgb, axis=1)


def comparison_figure(real: list, simulated: dict[str, list], path: str | Path,
                      note: str = "") -> Path:
    """Per class: VV and VH dB histograms (real and each simulated set) and the colour
    distributions (per-channel histograms of real and the first simulated set, mean colour
    swatches of all)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ...core.atomic import atomic_output

    sets = {"real": real, **simulated}
    styles = ["-", "--", ":"]
    fig, axes = plt.subplots(len(CLASSES), 3, figsize=(13, 3.1 * len(CLASSES)))
    for row, name in enumerate(CLASSES):
        pixels = {label: _pixels(pairs, name) for label, pairs in sets.items()}
        for col, pol in enumerate(("VV", "VH")):
            ax = axes[row, col]
            bins = np.linspace(-35, 5, 81)
            for k, (label, (sar, _)) in enumerate(pixels.items()):
                if sar.size:
                    ax.hist(sar[col], bins=bins, density=True, histtype="step",
                            linestyle=styles[k % 3], label=f"{label} ({sar[col].mean():.1f} "
                            f"+- {sar[col].std():.1f})")
            ax.set_title(f"{name}: {pol} dB", fontsize=9)
            ax.legend(fontsize=7)
        ax = axes[row, 2]
        bins = np.linspace(0, 1, 51)
        for k, label in enumerate(list(pixels)[:2]):
            rgb = pixels[label][1]
            for c, colour in enumerate(("red", "green", "blue")):
                if rgb.size:
                    ax.hist(rgb[c], bins=bins, density=True, histtype="step", color=colour,
                            linestyle=styles[k])
        for k, (label, (_, rgb)) in enumerate(pixels.items()):
            if rgb.size:
                x0 = 0.42 + 0.19 * k
                ax.add_patch(plt.Rectangle((x0, 0.55), 0.17, 0.4, transform=ax.transAxes,
                                           color=np.clip(rgb.mean(axis=1), 0, 1)))
                ax.text(x0 + 0.085, 0.5, label.replace(", ", "\n"), transform=ax.transAxes,
                        ha="center", va="top", fontsize=6)
        first = list(simulated)[0] if simulated else ""
        ax.set_title(f"{name}: colour (solid real, dashed {first})", fontsize=9)
    fig.suptitle(f"Real (BigEarthNet v2) vs simulated, per class. {note}", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
    return path
