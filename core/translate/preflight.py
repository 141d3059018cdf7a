"""Pre-flight checks: everything that can be refused is refused here, before any tile runs.

``validate(params)`` opens the rasters' headers, samples a few pixels and reads the weights
file's header only, so QGIS can call it on the main thread. It returns the ``RunPlan``
(grids, band choices, conversions, the acquisition geometry) that ``translate`` runs, so a
run is validated once; ``warnings`` say what will be done differently from what was asked.
Messages name options in words ("the tile size"), never one front end's flags.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..atomic import check_output_path
from ..errors import InputError
from ..geometry import AcquisitionGeometry
from ..grid import RasterGrid, bounds_in, overlap
from ..normalization import looks_linear
from ..raster_io import open_raster, uses_mask_band
from ..sar_metadata import resolve_geometry
from .cores import check_threads
from .model_info import LoadedModel, ModelInfo, read_model_info
from .params import DEVICES, ENHANCEMENTS, TranslateParams
from .plausibility import check_dem, check_sar, check_work_grid
from .sampling import sample_sar
from .workgrid import work_grid_for

OUTPUT_SUFFIXES = (".tif", ".tiff")


@dataclass
class RunPlan:
    """What a run will do, checked; ``warnings`` lists what the user should know before it
    starts, ``notes`` what was read or guessed on the user's behalf."""

    model: ModelInfo
    sar_path: Path
    sar_grid: RasterGrid
    work_grid: RasterGrid
    sar_bands: tuple[int, ...]
    sar_nodata: float | None
    sar_mask_band: bool
    sar_linear: bool
    dem_path: Path | None
    dem_nodata: float | None
    dem_mask_band: bool
    dem_coverage: float | None
    out_path: Path
    distortion_path: Path | None
    geometry: AcquisitionGeometry | None = None  # resolved when a distortion mask is asked
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def resample(self) -> bool:
        """True when the model runs on another grid than the SAR's (and is warped back)."""
        return self.work_grid != self.sar_grid

    @property
    def uses_dem(self) -> bool:
        return self.model.uses_dem and self.dem_path is not None


# Sentinel-1 downloads often hold one polarisation per file; a VRT stacks them losslessly.
_STACK_HINT = (", or a raster with both polarisations. If VV and VH are separate files, "
               "stack them first: gdalbuildvrt -separate sar.vrt VV.tif VH.tif (in QGIS: "
               "Raster > Miscellaneous > Build Virtual Raster, 'Place each input file into a "
               "separate band'), then use sar.vrt.")


def validate(params: TranslateParams, model: LoadedModel | ModelInfo | None = None
             ) -> RunPlan:
    """Check ``params`` cheaply; raise InputError/WeightsError naming the problem and fix."""
    _check_numbers(params)
    info = model.info if isinstance(model, LoadedModel) else model
    if info is None:
        info = read_model_info(params.model, params.runtime, params.device)
    _check_tiling(params, info)
    sar_path = Path(params.sar_path).expanduser()
    dem_path = Path(params.dem_path).expanduser() if params.dem_path else None
    _check_dem_needed(params, info, dem_path)
    out_path, distortion_path = _check_outputs(params, sar_path, dem_path)
    warnings: list[str] = []
    notes: list[str] = []
    geometry = None
    if distortion_path is not None:
        geometry = resolve_geometry(params.incidence, params.heading, params.look, sar_path,
                                    notes)
    if dem_path is not None and not info.uses_dem:
        warnings.append(f"Model '{info.name}' does not use a DEM; the DEM is ignored"
                        + (" except for the distortion mask." if distortion_path else "."))
    with open_raster(sar_path, "SAR") as sar:
        bands, nodata, mask_band, linear = check_sar_raster(sar, sar_path, params.sar_bands,
                                                            info, warnings)
        sar_grid = RasterGrid.from_dataset(sar)
        work = work_grid_for(sar_grid, info.pixel_size_m, warnings, sar_path)
        check_work_grid(sar_grid, work, sar_path, info.pixel_size_m)
    dem_nodata, dem_mask, coverage = None, False, None
    if dem_path is not None and (info.uses_dem or distortion_path is not None):
        with open_raster(dem_path, "DEM") as dem:
            dem_nodata, dem_mask = _check_dem(dem, dem_path, sar_grid, warnings)
            coverage = check_dem(dem, dem_path, work, dem_nodata, dem_mask, sar_path,
                                 info.uses_dem, warnings)
        if coverage <= 0.0:
            raise InputError(f"The DEM {dem_path.name} has no data over the SAR image (its "
                             "footprints overlap, but every sampled DEM pixel there is "
                             "nodata); give a DEM that covers the SAR footprint.")
        if 0.5 <= coverage < 0.999 and info.uses_dem:
            warnings.append(f"The DEM covers only about {100 * coverage:.1f}% of the SAR "
                            "image; pixels without DEM become nodata in the output.")
    return RunPlan(
        model=info, sar_path=sar_path, sar_grid=sar_grid, work_grid=work, sar_bands=bands,
        sar_nodata=nodata, sar_mask_band=mask_band, sar_linear=linear, dem_path=dem_path,
        dem_nodata=dem_nodata, dem_mask_band=dem_mask, dem_coverage=coverage,
        out_path=out_path, distortion_path=distortion_path, geometry=geometry,
        warnings=warnings, notes=notes)


def check_sar_raster(sar, path: Path, wanted: tuple[int, ...], info: ModelInfo,
                     warnings: list[str]) -> tuple[tuple[int, ...], float | None, bool, bool]:
    """An open SAR raster checked for ``info``'s model: map geometry, bands, plausible
    values. Returns the bands, nodata, whether GDAL's mask band applies, and whether the
    values look like linear power (converted to dB)."""
    _check_map_geometry(sar, path)
    bands = _check_sar_bands(sar, wanted, info, warnings)
    nodata = sar.nodata
    mask_band = uses_mask_band(sar, bands)
    linear = looks_linear(sample_sar(sar, bands, nodata, mask_band))
    if linear:
        warnings.append(f"The SAR raster {path.name} looks like linear power (no negative "
                        "values, median below 2), not dB; it is converted with 10*log10(x). "
                        "Give dB values to skip this guess.")
    check_sar(sar, bands, nodata, mask_band, path, linear, warnings)
    return bands, nodata, mask_band, linear


def retarget(plan: RunPlan, params: TranslateParams) -> RunPlan:
    """The plan with ``params``' output paths, only those checked again: QGIS names a
    temporary output anew in the thread that runs the algorithm."""
    out, dist = _check_outputs(params, plan.sar_path, plan.dem_path)
    return replace(plan, out_path=out, distortion_path=dist)


def _check_dem_needed(params: TranslateParams, info: ModelInfo, dem: Path | None) -> None:
    """Everything that needs the missing DEM, said at once (model and mask)."""
    if dem is not None:
        return
    needs = []
    if info.uses_dem:
        needs.append(f"model '{info.name}' fuses a DEM")
    if params.distortion_out is not None:
        needs.append("the distortion mask is computed from the DEM")
    if needs:
        fixes = ["give a DEM raster (heights in metres, any CRS and resolution)"]
        if info.uses_dem:
            fixes.append("use a SAR-only model such as 'sardinet'")
        if params.distortion_out is not None:
            fixes.append("leave out the distortion mask")
        raise InputError(f"No DEM was given, but {' and '.join(needs)}; "
                         f"{', or '.join(fixes)}.")


def _check_numbers(params: TranslateParams) -> None:
    if params.enhance not in ENHANCEMENTS:
        raise InputError(f"Unknown enhancement {params.enhance!r}; choose one of "
                         f"{', '.join(ENHANCEMENTS)}.")
    if params.device not in DEVICES:
        raise InputError(f"Unknown device {params.device!r}; choose one of {', '.join(DEVICES)}.")
    if params.batch < 0:
        raise InputError(f"The batch size {params.batch} must be at least 1 (or 0: automatic).")
    if params.tile < 64:
        raise InputError(f"The tile size {params.tile} is too small for the models' receptive "
                         "field; use at least 64 (512 is a good default).")
    if params.overlap < 0:
        raise InputError(f"The tile overlap {params.overlap} must be 0 or more; 64 is a good "
                         "default.")
    if 2 * params.overlap > params.tile:
        raise InputError(f"The tile size {params.tile} is too small for a tile overlap of "
                         f"{params.overlap} (the overlap is at most half the tile); use a tile "
                         f"of {max(128, 4 * params.overlap)} or more, or an overlap of "
                         f"{params.tile // 4} or less.")
    check_threads(params.threads)


def _check_tiling(params: TranslateParams, info: ModelInfo) -> None:
    m = max(1, info.size_multiple)
    if params.tile % m:
        good = max(m, round(params.tile / m) * m)
        raise InputError(f"The tile size {params.tile} is not a multiple of {m}, which model "
                         f"'{info.name}' needs; use a tile size of {good}.")


def _check_outputs(params: TranslateParams, sar: Path, dem: Path | None
                   ) -> tuple[Path, Path | None]:
    out = check_geotiff_output(params.out_path, "output", [sar, dem])
    dist = None
    if params.distortion_out is not None:
        dist = check_geotiff_output(params.distortion_out, "distortion mask", [sar, dem],
                                    {"translation": out})
    return out, dist


def check_geotiff_output(path: str | Path, role: str, inputs: list[Path | None],
                         others: dict[str, Path | None] | None = None) -> Path:
    """One GeoTIFF output of a run, checked: a file name (not a folder), ``.tif``, none of
    the ``inputs``, none of the run's ``others`` outputs (role -> path), writable."""
    given = Path(path).expanduser()
    if not str(path) or not given.name or given.is_dir():
        raise InputError(f"The {role} '{path}' is a folder, not a file name; give a GeoTIFF "
                         "name such as out.tif.")
    if given.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"The {role} {given.name} must be a GeoTIFF; name it "
                         f"{given.with_suffix('.tif').name}.")
    resolved = given.absolute().resolve()
    for other_role, other in (others or {}).items():
        if other is not None and Path(other).expanduser().absolute().resolve() == resolved:
            own = f"{resolved.stem}_{role.replace(' ', '_')}.tif"
            raise InputError(f"The {role} and the {other_role} are both {resolved}; give the "
                             f"{role} its own file name, e.g. {own}.")
    return check_output_path(given, inputs)


def _check_map_geometry(sar, path: Path) -> None:
    """A raster placed only by ground control points is still in radar geometry (a
    Sentinel-1 GRD straight from the SAFE): its pixels are not on the DEM's ground, and
    assigning a CRS would not fix that."""
    if sar.crs is None and sar.transform.is_identity and sar.gcps[0]:
        raise InputError(f"The SAR raster {path.name} is placed by ground control points only: "
                         "it is still in radar geometry (e.g. a Sentinel-1 GRD from the "
                         "SAFE), not on a map grid. Calibrate and terrain-correct it first "
                         "(SNAP: Radar > Radiometric > Calibrate to sigma0, then Radar > "
                         "Geometric > Terrain Correction > Range-Doppler Terrain Correction, "
                         "with the same DEM) and give the GeoTIFF that writes.")


def _check_sar_bands(sar, wanted: tuple[int, ...], info: ModelInfo, warnings: list[str]
                     ) -> tuple[int, ...]:
    bands = tuple(int(b) for b in wanted)
    need = info.sar_channels
    names = ",".join(info.normalization.sar_bands)
    if len(bands) != need:
        raise InputError(f"Model '{info.name}' takes {need} SAR band(s) ({names}) but "
                         f"{len(bands)} were chosen ({','.join(map(str, bands))}); choose "
                         f"{need} SAR band(s).")
    if len(set(bands)) != len(bands):
        raise InputError(f"SAR band {bands[0]} is chosen twice (bands "
                         f"{','.join(map(str, bands))}); choose {need} different bands "
                         f"({names}).")
    bad = [b for b in bands if not 1 <= b <= sar.count]
    if bad:
        raise InputError(f"The SAR raster has {sar.count} band(s), so band {bad[0]} does not "
                         f"exist; the model needs {names}: choose band numbers "
                         f"from 1 to {sar.count}" + (_STACK_HINT if sar.count < need else "."))
    for b in bands:
        if "complex" in sar.dtypes[b - 1]:
            raise InputError(f"SAR band {b} is complex (SLC); give detected backscatter "
                             "(GRD intensity in dB or linear power).")
    descriptions = [(sar.descriptions[b - 1] or "").strip().upper() for b in bands]
    expected = [n.upper() for n in info.normalization.sar_bands]
    if all(descriptions) and set(descriptions) == set(expected) and descriptions != expected:
        order = ",".join(str(bands[descriptions.index(n)]) for n in expected)
        warnings.append(f"The chosen SAR bands are labelled {','.join(descriptions)} but the "
                        f"model expects {','.join(expected)} in that order; did you mean "
                        f"SAR bands {order}?")
    return bands


def _check_dem(dem, path: Path, sar_grid: RasterGrid, warnings: list[str]
               ) -> tuple[float | None, bool]:
    if dem.crs is None:
        raise InputError(f"The DEM {path.name} has no coordinate reference system, so it "
                         "cannot be aligned with the SAR image; assign one (gdal_edit.py "
                         "-a_srs EPSG:...).")
    if dem.count > 1:
        warnings.append(f"The DEM {path.name} has {dem.count} bands; band 1 is used as "
                        "heights in metres.")
    if not overlap(bounds_in(dem.crs, dem.bounds, sar_grid.crs), sar_grid.bounds):
        raise InputError(
            f"The DEM {path.name} does not overlap the SAR image (DEM bounds "
            f"{_fmt(dem.bounds)} in {dem.crs.to_string()}, SAR bounds {_fmt(sar_grid.bounds)} "
            f"in {sar_grid.crs.to_string()}); give a DEM that covers the SAR footprint.")
    nodata = dem.nodata
    return (None if nodata is None or np.isnan(nodata) else float(nodata)), \
        uses_mask_band(dem, (1,))


def _fmt(bounds) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in bounds) + ")"
