"""One simulated scene: terrain (generated or a real DEM), land cover, optical and SAR images
and distortion masks on one projected grid (``simulate_scene``).

Random streams: the seed feeds one ``numpy.random.SeedSequence`` spawned into independent
streams for terrain, land cover, optical and SAR, so a scene is byte-for-byte reproducible.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ...core.distortion.mask import fill_nodata
from ...core.errors import InputError
from ...core.feedback import Feedback
from ...core.geometry import AcquisitionGeometry
from ...core.grid import RasterGrid
from .landcover import LEGEND, make_landcover
from .optical import render_optical
from .real_dem import load_dem
from .sar import DEFAULT_LOOKS, simulate_sar
from .terrain import fill_lakes, generate_terrain

DEFAULT_CRS = "EPSG:32632"  # UTM zone 32N (the Alps) for generated terrain
DEFAULT_ORIGIN = (350000.0, 5120000.0)  # (west, north) of generated scenes, metres
MAX_SIZE = 8192


@dataclass
class SceneSpec:
    """What to simulate. ``crs``/``origin`` (west, north corner, metres) default to UTM 32N
    for generated terrain; with ``dem_path`` they default to the DEM's projected CRS (or
    the UTM zone of its centre) and a scene centred on the DEM."""

    size: int = 1024
    pixel_size: float = 10.0
    seed: int = 0
    incidence: float = 39.0
    heading: float = 190.0
    look: str = "right"
    looks: float = DEFAULT_LOOKS
    dem_path: Path | None = None
    crs: str | None = None
    origin: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not 16 <= int(self.size) <= MAX_SIZE:
            raise InputError(f"Scene size {self.size} is outside 16..{MAX_SIZE} pixels; "
                             "choose e.g. --size 1024.")
        if not 0.5 <= float(self.pixel_size) <= 1000.0:
            raise InputError(f"Pixel size {self.pixel_size} m is outside 0.5..1000 m; "
                             "Sentinel-1 GRD products use 10 m.")
        if not 1.0 <= float(self.looks) <= 1000.0:
            raise InputError(f"Number of looks {self.looks} is outside 1..1000; Sentinel-1 "
                             "IW GRD has about 4.4.")
        if self.dem_path is not None:
            self.dem_path = Path(self.dem_path)
        _ = self.geometry  # validates incidence and look

    @property
    def geometry(self) -> AcquisitionGeometry:
        return AcquisitionGeometry(incidence_deg=float(self.incidence),
                                   heading_deg=float(self.heading), look=self.look)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["dem_path"] = str(self.dem_path) if self.dem_path is not None else None
        data["origin"] = list(self.origin) if self.origin is not None else None
        return data


@dataclass
class Scene:
    """Co-registered layers of one scene (rows north to south, columns west to east)."""

    sar_db: np.ndarray  # (2, H, W) float32 VV, VH dB; NaN where the DEM has no data
    dem: np.ndarray  # (H, W) float32 metres; NaN where unknown
    optical: np.ndarray  # (3, H, W) uint8 RGB; 0 = nodata
    landcover: np.ndarray  # (H, W) uint8 classes of ``legend``; 0 = nodata
    distortion: np.ndarray  # (H, W) uint8 codes of core.distortion; 255 = nodata
    incidence: np.ndarray  # (H, W) float32 local incidence angle, degrees
    grid: RasterGrid
    geometry: AcquisitionGeometry
    spec: SceneSpec
    legend: dict[int, str] = field(default_factory=lambda: dict(LEGEND))
    seconds: float = 0.0


def _streams(seed: int, count: int = 4) -> list[np.random.Generator]:
    """Independent streams; the first four are the same whatever ``count`` (landslide.py
    adds streams without changing the pre-event scene)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(count)]


def simulate_ground(spec: SceneSpec, rng: np.random.Generator
                    ) -> tuple[np.ndarray, RasterGrid, np.ndarray, np.ndarray]:
    """Heights (NaN where unknown), grid, lakes and valid pixels of a scene."""
    n, p = int(spec.size), float(spec.pixel_size)
    if spec.dem_path is not None:
        dem, grid = load_dem(spec.dem_path, n, p, spec.crs, spec.origin)
        valid = np.isfinite(dem)
        with_lakes, lakes = fill_lakes(fill_nodata(dem, valid), p)
        lakes &= valid
        dem = np.where(lakes, with_lakes, dem).astype(np.float32)
    else:
        west, north = spec.origin if spec.origin is not None else DEFAULT_ORIGIN
        grid = RasterGrid.from_origin(spec.crs or DEFAULT_CRS, west, north, p, n, n)
        if not grid.is_projected:
            raise InputError(f"The scene CRS {spec.crs} is not projected; give a UTM zone "
                             "such as EPSG:32632 so pixels are in metres.")
        terrain = generate_terrain((n, n), p, rng)
        dem, lakes, valid = terrain.dem, terrain.lakes, np.ones((n, n), bool)
    return dem, grid, lakes, valid


def simulate_scene(spec: SceneSpec, feedback: Feedback | None = None) -> Scene:
    """Simulate every layer of a scene; deterministic for ``spec``."""
    feedback = feedback or Feedback()
    start = time.perf_counter()
    r_terrain, r_cover, r_optical, r_sar = _streams(spec.seed)
    p = float(spec.pixel_size)
    dem, grid, lakes, valid = simulate_ground(spec, r_terrain)
    feedback.progress(30.0)
    feedback.check_cancelled()
    work = fill_nodata(dem, valid).astype(np.float32)
    cover = make_landcover(work, lakes, p, r_cover, valid)
    feedback.progress(45.0)
    optical = render_optical(work, cover, p, r_optical)
    feedback.progress(60.0)
    feedback.check_cancelled()
    sar = simulate_sar(dem, cover, p, spec.geometry, r_sar, looks=float(spec.looks), valid=valid)
    feedback.progress(100.0)
    return Scene(sar_db=sar.sar_db, dem=dem.astype(np.float32), optical=optical,
                 landcover=cover.classes, distortion=sar.distortion, incidence=sar.incidence,
                 grid=grid, geometry=spec.geometry, spec=spec,
                 seconds=time.perf_counter() - start)
