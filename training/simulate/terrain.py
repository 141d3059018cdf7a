"""Generated mountains: spectral synthesis, carved by rivers, with lakes in closed basins.

Why this recipe: pure fractal noise has no drainage, so it looks like crumpled paper and
fills with lakes. Real mountains are cut by branching valleys. A coarse (about 80 m) fractal
surface is eroded by a stream-power law (incision proportional to the square root of the
upstream area times the slope, solved implicitly along the drainage tree as in Braun and
Willett 2013) with a little hillslope diffusion; the result is upsampled and fine fractal
roughness is added where the slopes are steep. Depressions left over are filled with water.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.morphology import reconstruction

from .noise import smoothstep, spectral_noise

COARSE_CELL_M = 80.0
MAX_COARSE = 192  # coarse grid cells along the longer side
EROSION_K = 0.3  # stream-power coefficient (m^0 per iteration, scale-free with m = 0.5)
EROSION_STEPS = 8
DETAIL_SLOPE = 0.25  # rms gradient of the fine roughness on steep slopes
FLOOR_MIN_AREA_M2 = 2.0e6  # valleys draining more than this get a flat floor
FLOOR_FILL_M = 170.0  # sediment thickness in the largest valleys
MAX_MEDIAN_GRADIENT = 0.51  # tan(27 deg)
MIN_LAKE_DEPTH_M = 6.0  # in the coarse grid's units (before scaling to the relief)
MIN_LAKE_AREA_M2 = 10000.0


@dataclass
class Terrain:
    """Heights (m), upstream drainage area (m^2, from the coarse river network) and lakes."""

    dem: np.ndarray
    drainage: np.ndarray
    lakes: np.ndarray


def _priority_flood(z: np.ndarray) -> tuple[list[int], list[int], list[float], int]:
    """Drainage tree of a grid whose border cells are outlets (Barnes et al. 2014).

    Returns the visiting order (outlets first: every cell comes after the cell it drains to),
    each cell's receiver (-1 for outlets) and its spill level (its height, or the level at
    which its depression overflows), as flat indices into the grid padded by one cell, and
    the padded width."""
    h, w = z.shape
    width = w + 2
    padded = np.zeros((h + 2, w + 2))
    padded[1:-1, 1:-1] = z
    level = padded.ravel().tolist()
    ring = np.ones((h + 2, w + 2), bool)
    ring[1:-1, 1:-1] = False
    done = bytearray(ring.ravel().astype(np.uint8).tobytes())
    border = np.zeros((h + 2, w + 2), bool)
    border[1:-1, 1:-1] = True
    border[2:-2, 2:-2] = False
    heap = [(level[i], i) for i in np.flatnonzero(border.ravel()).tolist()]
    for _, i in heap:
        done[i] = 1
    heapq.heapify(heap)
    receiver = [-1] * len(level)
    spill = list(level)
    order: list[int] = []
    offsets = (-width - 1, -width, -width + 1, -1, 1, width - 1, width, width + 1)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        z_cell, cell = pop(heap)
        order.append(cell)
        for off in offsets:
            nb = cell + off
            if not done[nb]:
                done[nb] = 1
                receiver[nb] = cell
                z_nb = level[nb]
                if z_nb < z_cell:
                    z_nb = spill[nb] = z_cell
                push(heap, (z_nb, nb))
    return order, receiver, spill, width


def _drainage_area(order: list[int], receiver: list[int], cell_m: float) -> list[float]:
    area = [0.0] * len(receiver)
    cell_area = cell_m * cell_m
    for cell in order:
        area[cell] = cell_area
    for cell in reversed(order):
        to = receiver[cell]
        if to >= 0:
            area[to] += area[cell]
    return area


def erode(z: np.ndarray, cell_m: float, steps: int = EROSION_STEPS,
          k: float = EROSION_K) -> np.ndarray:
    """Stream-power incision plus hillslope diffusion on a coarse grid. Cells below their
    spill level lie in a lake and are not incised (so no straight channels cross the flat
    flooded surface); lakes drain as their outlets cut down."""
    h, w = z.shape
    diagonal = cell_m * 2.0 ** 0.5
    for _ in range(steps):
        order, receiver, spill, width = _priority_flood(z)
        area = _drainage_area(order, receiver, cell_m)
        padded = np.zeros((h + 2, w + 2))
        padded[1:-1, 1:-1] = z
        level = padded.ravel().tolist()
        for cell in order:
            to = receiver[cell]
            if to < 0 or spill[cell] > level[cell]:  # outlets; lake beds do not erode
                continue
            dist = cell_m if abs(cell - to) in (1, width) else diagonal
            f = k * area[cell] ** 0.5 / dist
            level[cell] = (level[cell] + f * level[to]) / (1.0 + f)
        z = np.asarray(level).reshape(h + 2, w + 2)[1:-1, 1:-1]
        z = ndimage.gaussian_filter(z, 0.6, mode="nearest")
    return z


def flatten_floors(z: np.ndarray, cell_m: float) -> np.ndarray:
    """Alluvial valley floors: large valleys are filled with sediment up to a level above
    their river, which gives them flat floors (fields, villages). The floor level never
    rises downstream, so the fill dams no valley."""
    h, w = z.shape
    order, receiver, _, width = _priority_flood(z)
    area = _drainage_area(order, receiver, cell_m)
    padded = np.zeros((h + 2, w + 2))
    padded[1:-1, 1:-1] = z
    level = padded.ravel()
    reach = np.log10(np.maximum(np.asarray(area), 1.0))
    fill = FLOOR_FILL_M * smoothstep(reach, np.log10(FLOOR_MIN_AREA_M2), 7.5)
    floor = (level + fill).tolist()
    channel = (np.asarray(area) >= FLOOR_MIN_AREA_M2).tolist()
    for cell in reversed(order):  # upstream first: a floor caps the floors below it
        to = receiver[cell]
        if to >= 0 and channel[cell]:
            drop = 0.002 * cell_m * (1.0 if abs(cell - to) in (1, width) else 1.414)
            if floor[to] > floor[cell] - drop:
                floor[to] = floor[cell] - drop
    for cell in order:  # slopes take the floor of the river they drain to
        to = receiver[cell]
        if to >= 0 and not channel[cell]:
            floor[cell] = floor[to]
    floor_z = np.asarray(floor).reshape(h + 2, w + 2)[1:-1, 1:-1]
    return np.maximum(z, ndimage.gaussian_filter(floor_z, 1.0, mode="nearest"))


def _upsample(coarse: np.ndarray, shape: tuple[int, int], order: int = 3) -> np.ndarray:
    """Resample a coarse grid covering the same extent onto ``shape`` pixels."""
    ch, cw = coarse.shape
    rows = (np.arange(shape[0]) + 0.5) * ch / shape[0] - 0.5
    cols = (np.arange(shape[1]) + 0.5) * cw / shape[1] - 0.5
    coords = np.meshgrid(rows, cols, indexing="ij")
    src = ndimage.spline_filter(coarse, order=order, mode="nearest") if order > 1 else coarse
    return ndimage.map_coordinates(src, coords, order=order, mode="nearest", prefilter=False)


def fill_lakes(dem: np.ndarray, pixel_size: float, min_area_m2: float = 4000.0,
               min_depth_m: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Fill closed basins deeper than ``min_depth_m`` and larger than ``min_area_m2`` to
    their spill level with flat water; returns (heights with lake surfaces, lake mask)."""
    seed = np.full(dem.shape, float(dem.max()))
    seed[0, :], seed[-1, :], seed[:, 0], seed[:, -1] = dem[0, :], dem[-1, :], dem[:, 0], dem[:, -1]
    filled = reconstruction(seed, dem.astype(np.float64), method="erosion")
    depth = filled - dem
    labels, count = ndimage.label(depth > 0.05)
    if count == 0:
        return dem.astype(np.float32), np.zeros(dem.shape, bool)
    index = np.arange(1, count + 1)
    areas = ndimage.sum_labels(np.ones_like(depth), labels, index) * pixel_size ** 2
    depths = ndimage.maximum(depth, labels, index)
    keep = np.zeros(count + 1, bool)
    keep[1:] = (areas >= min_area_m2) & (depths >= min_depth_m)
    lakes = keep[labels]
    out = np.where(lakes, filled, dem).astype(np.float32)
    return out, lakes


def _lakes_from_spill(dem: np.ndarray, eroded: np.ndarray, spill: np.ndarray,
                      to_metres, pixel_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Flat lakes in the coarse grid's closed basins, shorelines traced on the fine DEM."""
    depth = spill - eroded
    labels, count = ndimage.label(depth > 0.5 * MIN_LAKE_DEPTH_M, structure=np.ones((3, 3)))
    if count == 0:
        return dem, np.zeros(dem.shape, bool)
    index = np.arange(1, count + 1)
    keep = np.concatenate([[False], ndimage.maximum(depth, labels, index) >= MIN_LAKE_DEPTH_M])
    level = np.concatenate([[-np.inf], to_metres(ndimage.maximum(spill, labels, index))])
    core = np.where(keep[labels], labels, 0)
    grown = ndimage.grey_dilation(core, size=(5, 5))  # room for the shoreline contour
    h, w = dem.shape
    rows = np.minimum(((np.arange(h) + 0.5) * core.shape[0] / h).astype(int), core.shape[0] - 1)
    cols = np.minimum(((np.arange(w) + 0.5) * core.shape[1] / w).astype(int), core.shape[1] - 1)
    fine_level = level[grown[rows[:, None], cols[None, :]]]
    lakes = dem < fine_level
    parts, n_parts = ndimage.label(lakes)
    sizes = np.bincount(parts.ravel(), minlength=n_parts + 1) * pixel_size ** 2
    in_core = np.zeros(n_parts + 1, bool)
    in_core[np.unique(parts[core[rows[:, None], cols[None, :]] > 0])] = True
    lakes &= ((sizes >= MIN_LAKE_AREA_M2) & in_core)[parts]
    lakes &= parts > 0
    return np.where(lakes, fine_level, dem), lakes


def generate_terrain(shape: tuple[int, int], pixel_size: float, rng: np.random.Generator,
                     relief_m: float | None = None, base_m: float | None = None) -> Terrain:
    """Mountains of ``relief_m`` metres above ``base_m``.

    By default the relief is 1,600 to 2,600 m over 10 km (less on smaller scenes, and less
    where the terrain came out so rugged that its median slope would pass about 32 deg)."""
    h, w = int(shape[0]), int(shape[1])
    extent = max(h, w) * pixel_size
    scale = min(1.0, extent / 10240.0) ** 0.7
    relief = float(relief_m) if relief_m is not None else float(rng.uniform(1600.0, 2600.0))
    auto_relief = relief_m is None
    relief *= scale if auto_relief else 1.0
    base = float(base_m) if base_m is not None else float(rng.uniform(300.0, 1100.0))
    cell = max(COARSE_CELL_M, max(h, w) * pixel_size / MAX_COARSE, pixel_size)
    ch = max(8, int(round(h * pixel_size / cell)))
    cw = max(8, int(round(w * pixel_size / cell)))
    cell = 0.5 * (h * pixel_size / ch + w * pixel_size / cw)
    massif = spectral_noise((ch, cw), cell, rng, beta=2.1, corner_m=7000.0)
    ridges = 1.0 - np.abs(spectral_noise((ch, cw), cell, rng, beta=1.8, corner_m=2500.0))
    coarse = massif + 0.35 * ridges
    coarse = (coarse - coarse.min()) / max(float(np.ptp(coarse)), 1e-9) * 2500.0
    eroded = flatten_floors(erode(coarse, cell), cell)
    order, receiver, spill_list, _ = _priority_flood(eroded)
    unpad = (slice(1, -1), slice(1, -1))
    drainage = np.asarray(_drainage_area(order, receiver, cell)).reshape(ch + 2, cw + 2)[unpad]
    spill = np.asarray(spill_list).reshape(ch + 2, cw + 2)[unpad]
    dem = _upsample(eroded, (h, w))
    # Fine roughness: strong on steep mountain sides, weak on valley floors.
    gy, gx = np.gradient(dem, pixel_size)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    rough = 0.15 + 0.85 * smoothstep(slope, 8.0, 35.0)
    detail = spectral_noise((h, w), pixel_size, rng, beta=1.8, corner_m=1500.0,
                            high_pass_m=2.0 * cell)
    dy, dx = np.gradient(detail, pixel_size)
    detail *= DETAIL_SLOPE / float(np.sqrt(np.mean(dx * dx + dy * dy)))
    dem = dem + rough * detail
    low, span = float(dem.min()), max(float(np.ptp(dem)), 1e-9)
    if auto_relief:
        gy, gx = np.gradient(dem * (relief / span), pixel_size)
        median = float(np.median(np.hypot(gx, gy)))
        relief *= min(1.0, MAX_MEDIAN_GRADIENT / max(median, 1e-9))
        if extent >= 10000.0:
            relief = max(relief, 1800.0)

    def to_metres(values):
        return base + (values - low) / span * relief

    dem, lakes = _lakes_from_spill(to_metres(dem), eroded, spill, to_metres, pixel_size)
    area = _upsample(np.log(drainage), (h, w), order=1)
    return Terrain(dem=dem.astype(np.float32), drainage=np.exp(area).astype(np.float32),
                   lakes=lakes)
