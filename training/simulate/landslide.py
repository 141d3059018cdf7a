"""A simulated landslide event: one scene before and after some vegetated slopes fail.

Why: change detection needs pairs whose true change is known pixel by pixel. The pre-event
scene is exactly ``simulate_scene(spec)``. Each slide starts on a steep vegetated slope: the
source (scar) is an ellipse stretched downslope where the ground is lowered (up to
``depth_m``) and the cover becomes bare soil; the deposit, further downslope, is raised by
the same volume and becomes debris (scree). The optical image is rendered again with the
same texture noise (same ground, same sun); the SAR is simulated again from the new heights
and cover with fresh speckle (two acquisitions never share speckle), in the same geometry.
``landslide.tif``: 0 unchanged, 1 source, 2 deposit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ...core.distortion.mask import fill_nodata
from ...core.errors import InputError
from ...core.feedback import Feedback
from .landcover import BARE_SOIL, FIELDS, FOREST, MEADOW, SCREE, Cover, make_landcover, slope_aspect
from .optical import render_optical
from .sar import simulate_sar
from .scene import Scene, SceneSpec, _streams, simulate_ground
from .scene_io import write_json, write_raster, write_scene

SOURCE, DEPOSIT = 1, 2
SLOPE_RANGE_DEG = (25.0, 50.0)  # slopes that fail: steep, but not bare cliffs
VEGETATED = (MEADOW, FOREST)


@dataclass
class Slides:
    mask: np.ndarray  # (H, W) uint8: 0 unchanged, SOURCE, DEPOSIT
    dz: np.ndarray  # (H, W) float32 height change, metres (negative at the source)
    count: int


@dataclass
class LandslidePair:
    pre: Scene
    post: Scene
    slides: Slides


def place_slides(dem: np.ndarray, cover: Cover, valid: np.ndarray, pixel_size: float,
                 rng: np.random.Generator, count: int, depth_m: float = 12.0) -> Slides:
    """Up to ``count`` slides on steep vegetated slopes (fewer when the scene has no room)."""
    shape = dem.shape
    slope, _ = slope_aspect(dem, pixel_size)
    d_row, d_col = np.gradient(dem.astype(np.float64), pixel_size)
    lo, hi = SLOPE_RANGE_DEG
    margin = max(2, int(800.0 / pixel_size))
    inner = np.zeros(shape, bool)
    inner[margin:-margin, margin:-margin] = True
    candidates = np.flatnonzero(valid & inner & (slope >= lo) & (slope <= hi)
                                & np.isin(cover.classes, VEGETATED))
    mask = np.zeros(shape, np.uint8)
    dz = np.zeros(shape, np.float32)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    placed = 0
    for index in rng.permutation(candidates):
        if placed >= count:
            break
        r0, c0 = divmod(int(index), shape[1])
        if mask[max(0, r0 - margin // 2):r0 + margin // 2,
                max(0, c0 - margin // 2):c0 + margin // 2].any():
            continue  # keep slides apart
        g = math.hypot(d_row[r0, c0], d_col[r0, c0])
        down = (-d_row[r0, c0] / g, -d_col[r0, c0] / g)  # (row, col) unit vector downhill
        length = rng.uniform(250.0, 500.0) / pixel_size  # source half-length, pixels
        width = rng.uniform(60.0, 140.0) / pixel_size  # half-width, pixels
        depth = depth_m * rng.uniform(0.6, 1.0)
        source = _ellipse(rows, cols, (r0, c0), down, length, width)
        centre = (r0 + down[0] * 1.8 * length, c0 + down[1] * 1.8 * length)
        deposit = _ellipse(rows, cols, centre, down, 0.8 * length, 1.3 * width)
        src_in, dep_in = source > 0, (deposit > 0) & (source <= 0)
        if not dep_in.any() or not (valid[src_in].all() and valid[dep_in].all()):
            continue
        volume = float(source.sum()) * depth
        dz -= (depth * source).astype(np.float32)
        dz += (volume / float(deposit[dep_in].sum()) * np.where(dep_in, deposit, 0.0)
               ).astype(np.float32)
        mask[dep_in] = DEPOSIT
        mask[src_in] = SOURCE
        placed += 1
    return Slides(mask=mask, dz=dz, count=placed)


def _ellipse(rows: np.ndarray, cols: np.ndarray, centre: tuple[float, float],
             axis: tuple[float, float], half_length: float, half_width: float) -> np.ndarray:
    """1 - r^2 inside an ellipse (long axis along ``axis``), 0 outside: a bowl profile."""
    dr, dc = rows - centre[0], cols - centre[1]
    along = dr * axis[0] + dc * axis[1]
    across = -dr * axis[1] + dc * axis[0]
    r2 = (along / half_length) ** 2 + (across / half_width) ** 2
    return np.clip(1.0 - r2, 0.0, None)


def failed_cover(cover: Cover, mask: np.ndarray) -> Cover:
    """Bare soil at the sources, debris (scree) on the deposits; other pixels unchanged."""
    classes, crop, vigour = cover.classes.copy(), cover.crop.copy(), cover.vigour.copy()
    source, deposit = mask == SOURCE, mask == DEPOSIT
    classes[source] = FIELDS  # a field parcel of bare soil: the simulator's bare-ground class
    crop[source] = BARE_SOIL
    classes[deposit] = SCREE
    vigour[source | deposit] = 0.8  # rough, freshly disturbed ground
    return replace(cover, classes=classes, crop=crop, vigour=vigour)


def simulate_landslide(spec: SceneSpec, count: int = 6, feedback: Feedback | None = None
                       ) -> LandslidePair:
    """The pre- and post-event scenes of ``spec`` and the true change mask."""
    feedback = feedback or Feedback()
    if not 1 <= int(count) <= 1000:
        raise InputError(f"{count} landslides: give 1 to 1000 (e.g. --slides 6).")
    r_terrain, r_cover, r_optical, r_sar, r_slides, r_sar_post = _streams(spec.seed, 6)
    optical_seed = np.random.SeedSequence(int(spec.seed)).spawn(3)[2]
    p = float(spec.pixel_size)
    dem, grid, lakes, valid = simulate_ground(spec, r_terrain)
    work = fill_nodata(dem, valid).astype(np.float32)
    cover = make_landcover(work, lakes, p, r_cover, valid)
    feedback.progress(20.0)
    slides = place_slides(work, cover, valid, p, r_slides, count)
    if slides.count == 0:
        raise InputError("No slope of this scene is steep and vegetated enough for a "
                         "landslide; try another --seed or a larger --size.")
    post_cover = failed_cover(cover, slides.mask)
    post_dem = np.where(valid, dem + slides.dz, dem).astype(np.float32)
    scenes = []
    for heights, state, rng_sar in ((dem, cover, r_sar), (post_dem, post_cover, r_sar_post)):
        feedback.check_cancelled()
        filled = fill_nodata(heights, valid).astype(np.float32)
        optical = render_optical(filled, state, p, np.random.default_rng(optical_seed))
        sar = simulate_sar(heights, state, p, spec.geometry, rng_sar, looks=float(spec.looks),
                           valid=valid)
        scenes.append(Scene(sar_db=sar.sar_db, dem=heights.astype(np.float32),
                            optical=optical, landcover=state.classes,
                            distortion=sar.distortion, incidence=sar.incidence, grid=grid,
                            geometry=spec.geometry, spec=spec))
        feedback.progress(20.0 + 40.0 * len(scenes))
    del r_optical  # the optical stream is re-made from its seed for both scenes
    return LandslidePair(pre=scenes[0], post=scenes[1], slides=slides)


def write_landslide(pair: LandslidePair, out_dir: str | Path) -> dict[str, Path]:
    """``pre/`` and ``post/`` scene folders, ``landslide.tif`` and ``landslide.json``."""
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a folder for the pair (--out DIR).")
    paths = {f"pre_{k}": v for k, v in write_scene(pair.pre, out / "pre").items()}
    paths |= {f"post_{k}": v for k, v in write_scene(pair.post, out / "post").items()}
    mask = pair.slides.mask
    paths["landslide"] = write_raster(
        out / "landslide.tif", mask, pair.pre.grid, 255,
        ("landslide (0 unchanged, 1 source: lowered, bare soil; 2 deposit: raised, debris)",),
        {"SOFTWARE": "sardine simulate --landslide"})
    paths["landslide_json"] = write_json(out / "landslide.json", {
        "slides": pair.slides.count, "changed_fraction": round(float((mask > 0).mean()), 5),
        "source_fraction": round(float((mask == SOURCE).mean()), 5),
        "deposit_fraction": round(float((mask == DEPOSIT).mean()), 5),
        "max_lowering_m": round(float(-pair.slides.dz.min()), 2),
        "max_raising_m": round(float(pair.slides.dz.max()), 2),
        "codes": {"0": "unchanged", "1": "source", "2": "deposit"},
        "spec": pair.pre.spec.to_dict()})
    return paths
