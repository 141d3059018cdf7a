"""Many simulated scenes cut into georeferenced patches: the patch-folder layout the trainer
reads (``sar/ dem/ optical/ distortion/ landcover/`` with matching file names), plus
``splits.json`` (80/10/10, deterministic) and ``dataset.json``.

Why whole scenes cut into patches rather than patch-sized scenes: terrain, drainage and land
cover need kilometres to develop, and radar layover and shadow reach far along range.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...core.atomic import folder_made_for_run
from ...core.distortion import CODES
from ...core.errors import InputError
from ...core.feedback import Feedback
from ...core.raster_io import open_raster
from ...core.version import __version__
from .landcover import LEGEND
from .real_dem import dem_bounds
from .sar import DEFAULT_LOOKS
from .scene import SceneSpec, simulate_scene
from .scene_io import FILES, write_json, write_layers
from .terrain_sources import describe, terrain_sources

PARTS = (("train", 0.8), ("val", 0.1), ("test", 0.1))
MIN_SCENES_PER_SPLIT_BY_SCENE = 10


def split_names(groups: dict[str, list[str]], seed: int) -> tuple[dict[str, list[str]], str]:
    """80/10/10 split of patch names by a seeded permutation; whole scenes go to one part
    when there are enough scenes (no neighbouring patches across parts), else patches."""
    if len(groups) >= MIN_SCENES_PER_SPLIT_BY_SCENE:
        units, unit = {g: names for g, names in sorted(groups.items())}, "scene"
    else:
        units = {n: [n] for names in groups.values() for n in names}
        unit = "patch"
    keys = sorted(units)
    order = np.random.default_rng(seed).permutation(len(keys))
    n = len(keys)
    n_val = max(1, round(n * PARTS[1][1])) if n >= 3 else 0
    n_test = max(1, round(n * PARTS[2][1])) if n >= 3 else 0
    n_train = n - n_val - n_test
    cuts = {"train": order[:n_train], "val": order[n_train:n_train + n_val],
            "test": order[n_train + n_val:]}
    return {part: sorted(name for i in idx for name in units[keys[i]])
            for part, idx in cuts.items()}, unit


def _scene_seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


def _dem_origin(path: Path, size: int, pixel_size: float, rng: np.random.Generator
                ) -> tuple[float, float]:
    """A random scene position inside the DEM's extent (west, north)."""
    _, (left, bottom, right, top) = dem_bounds(path)
    extent = size * pixel_size
    if right - left < extent or top - bottom < extent:
        fits = int(min(right - left, top - bottom) // pixel_size)
        raise InputError(f"The DEM {path.name} is smaller than one {extent / 1000:.1f} km scene; "
                         f"use --size {fits} or less, or a coarser --pixel-size.")
    # Keep clear of the DEM's edges, where a reprojected DEM has no-data corners.
    margin = min(0.1 * (right - left - extent), 0.1 * (top - bottom - extent))
    west = rng.uniform(left + margin, right - extent - margin)
    north = rng.uniform(bottom + extent + margin, top - margin)
    return (round(west / pixel_size) * pixel_size, round(north / pixel_size) * pixel_size)


def simulate_dataset(out_dir: str | os.PathLike, count: int, patch: int = 256,
                     dem_paths: Sequence[str | os.PathLike] | None = None, seed: int = 0,
                     size: int = 1024, pixel_size: float = 10.0, incidence: float = 39.0,
                     heading: float = 190.0, look: str = "right",
                     looks: float = DEFAULT_LOOKS, feedback: Feedback | None = None) -> Path:
    """Write ``count`` patches of ``patch`` pixels cut from as many ``size`` scenes as needed,
    taking the terrain sources of ``dem_paths`` in turn (DEM files at random places,
    ``generated`` mountains, ``jacksboro``; default: generated)."""
    feedback = feedback or Feedback()
    if count < 1:
        raise InputError(f"--count {count} asks for no patches; give 1 or more.")
    if not 16 <= patch <= size:
        raise InputError(f"Patch size {patch} must lie between 16 and the scene size {size}; "
                         "lower --patch or raise --size.")
    with terrain_sources(dem_paths) as (dems, sample):
        return _simulate(Path(out_dir).expanduser(), count, patch, dems, sample, seed, size,
                         pixel_size, incidence, heading, look, looks, feedback)


def _simulate(out: Path, count: int, patch: int, dems: list[Path | None], sample: Path | None,
              seed: int, size: int, pixel_size: float, incidence: float, heading: float,
              look: str, looks: float, feedback: Feedback) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder for the dataset (--out DIR).")
    for dem in {d for d in dems if d is not None}:  # each readable, before any folder is made
        with open_raster(dem, "DEM"):
            pass
    written_files: list[Path] = []
    with folder_made_for_run(out):
        try:
            return _write_patches(out, count, patch, dems, sample, seed, size, pixel_size,
                                  incidence, heading, look, looks, feedback, written_files)
        except BaseException:  # a cancelled or failed run leaves no partial dataset
            for path in written_files:
                path.unlink(missing_ok=True)
            raise


def _write_patches(out: Path, count: int, patch: int, dems: list[Path | None],
                   sample: Path | None, seed: int, size: int, pixel_size: float,
                   incidence: float, heading: float, look: str, looks: float,
                   feedback: Feedback, written_files: list[Path]) -> Path:
    """The patches, splits.json and dataset.json; every patch file is listed in
    ``written_files`` before it is written."""
    layers = [name for name in FILES]
    for name in layers:
        (out / name).mkdir(parents=True, exist_ok=True)
    per_scene = (size // patch) ** 2
    groups: dict[str, list[str]] = {}
    scenes = []
    written, index = 0, 0
    max_scenes = 4 * math.ceil(count / per_scene) + 4
    while written < count:
        if index >= max_scenes:
            raise InputError(f"Only {written} of {count} patches had heights everywhere after "
                             f"{index} scenes; the DEM has too many holes. Fill them first "
                             "(gdal_fillnodata.py) or use generated terrain.")
        feedback.check_cancelled()
        scene_seed = _scene_seed(seed, index)
        dem = dems[index % len(dems)]
        origin = (_dem_origin(dem, size, pixel_size, np.random.default_rng(scene_seed))
                  if dem is not None else None)
        spec = SceneSpec(size=size, pixel_size=pixel_size, seed=scene_seed, incidence=incidence,
                         heading=heading, look=look, looks=looks, dem_path=dem, origin=origin)
        scene = simulate_scene(spec)
        name = f"s{index:04d}"
        patches = []
        for r in range(size // patch):
            for c in range(size // patch):
                if written >= count:
                    break
                rows = slice(r * patch, (r + 1) * patch)
                cols = slice(c * patch, (c + 1) * patch)
                if not np.isfinite(scene.dem[rows, cols]).all():
                    continue  # patches with DEM holes would teach the model nothing
                stem = f"{name}_r{r:02d}_c{c:02d}"
                paths = {k: out / k / f"{stem}.tif" for k in layers}
                written_files.extend(paths.values())
                write_layers(scene, paths, (rows, cols))
                patches.append(stem)
                written += 1
                feedback.progress(100.0 * written / count)
        if patches:
            groups[name] = patches
        scenes.append({"name": name, "seed": scene_seed, "dem": describe(dem, sample),
                       "origin": list(origin) if origin else None,
                       "crs": scene.grid.crs.to_string(), "patches": len(patches)})
        index += 1
    split, unit = split_names(groups, seed)
    write_json(out / "splits.json", split)
    write_json(out / "dataset.json", {
        "software": f"sardine {__version__} simulate-dataset",
        "count": written, "patch": patch, "scene_size": size, "pixel_size_m": pixel_size,
        "seed": seed, "looks": looks, "split_unit": unit,
        "geometry": {"incidence_deg": incidence, "heading_deg": heading, "look": look},
        "folders": {"sar": "VV, VH sigma0 dB (float32, NaN nodata)", "dem": "metres (float32)",
                    "optical": "RGB uint8 (0 nodata)", "landcover": "classes (uint8)",
                    "distortion": "codes (uint8, 255 nodata)"},
        "landcover_legend": {str(k): v for k, v in LEGEND.items()},
        "distortion_codes": {str(k): v for k, v in CODES.items()},
        "scenes": scenes,
    })
    return out
