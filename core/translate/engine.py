"""``translate(params, feedback)``: the one entry point of the CLI, the QGIS dock and the
Processing algorithm. See ``docs/PERFORMANCE.md`` for the memory it needs."""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from ..atomic import atomic_output, scratch_file
from ..feedback import Feedback
from ..scoped import gdal_cache
from ..version import __version__
from .backends import prepare
from .finish import finish
from .model_info import LoadedModel
from .params import TranslateParams, TranslateResult
from .pipeline import run_tiles
from .preflight import RunPlan, validate
from .tiling import TileLayout
from .writer import provenance_tags

# GDAL's block cache: enough for the input blocks shared by neighbouring windows of one
# tile row, small enough that memory does not grow with the raster (GDAL's default is 5 %
# of the machine's RAM). Input blocks shared between tile rows are decoded again.
GDAL_CACHE_BYTES = 32 * 1024 * 1024
MIN_EDGE_PAD = 16


def edge_pad(overlap: int, size_multiple: int) -> int:
    """Reflect padding at the raster's edges: at least the overlap (so edge pixels get a
    full blending weight) and a multiple of the model's size multiple (so tiles fall on
    the same pooling grid as a whole-image pass)."""
    m = max(1, size_multiple)
    need = max(overlap, MIN_EDGE_PAD)
    return -(-need // m) * m


def translate(params: TranslateParams, feedback: Feedback | None = None,
              model: LoadedModel | None = None, plan: RunPlan | None = None
              ) -> TranslateResult:
    """Translate SAR (+ DEM) into an optical GeoTIFF on the SAR's grid.

    ``model`` replaces ``params.model`` with an already built model (benchmarks, tests).
    ``plan``: ``validate(params)`` already done by the caller (QGIS checks before it
    starts the task), so a run is validated once.
    Raises InputError/WeightsError before any output exists, Cancelled if the feedback
    asks to stop; either way nothing is left behind.
    """
    feedback = feedback or Feedback()
    start = time.perf_counter()
    plan = plan if plan is not None else validate(params, model)
    for message in plan.notes:
        feedback.info(message)
    for message in plan.warnings:
        feedback.warning(message)
    feedback.progress(1.0)
    backend = prepare(params, plan.model, model, feedback)
    info, batch, runner = backend.loaded.info, backend.batch, backend.runner
    feedback.info(f"Translating {plan.work_grid.width}x{plan.work_grid.height} pixels with "
                  f"'{info.name}' on {backend.where}.")
    layout = TileLayout.fitted(plan.work_grid.height, plan.work_grid.width, params.tile,
                               params.overlap, edge_pad(params.overlap, info.size_multiple),
                               info.size_multiple)
    tags = provenance_tags(info.name, info.sha256, _parameters(params, plan, batch),
                           __version__, {"SARDINE_SOURCE_SAR": plan.sar_path.name,
                                         "SARDINE_SOURCE_DEM": plan.dem_path.name
                                         if plan.dem_path else ""})
    two_pass = plan.resample or params.enhance != "none"
    with ExitStack() as stack:
        stack.enter_context(gdal_cache(GDAL_CACHE_BYTES))
        out_tmp = stack.enter_context(atomic_output(plan.out_path))
        low = 2.0
        if plan.distortion_path is not None:
            dist_tmp = stack.enter_context(atomic_output(plan.distortion_path))
            _distortion(plan, params, dist_tmp, feedback, _span(feedback, 2.0, 7.0))
            low = 7.0
        with backend.threads:
            if not two_pass:
                run_tiles(plan, layout, runner, out_tmp, True, feedback,
                          _span(feedback, low, 100.0), tags, params.creation_options)
            else:
                inter = stack.enter_context(scratch_file(plan.out_path))
                mid = low + 0.75 * (100.0 - low)
                run_tiles(plan, layout, runner, inter, False, feedback,
                          _span(feedback, low, mid))
                finish(plan, inter, out_tmp, params.enhance, tags, params.creation_options,
                       feedback, _span(feedback, mid, 100.0))
        feedback.check_cancelled()
    feedback.progress(100.0)
    return TranslateResult(out_path=plan.out_path, distortion_path=plan.distortion_path,
                           width=plan.sar_grid.width, height=plan.sar_grid.height,
                           seconds=time.perf_counter() - start,
                           warnings=list(feedback.warnings), where=backend.where)


def _span(feedback: Feedback, low: float, high: float) -> Callable[[float], None]:
    """A progress callback for one stage: fraction [0, 1] -> percent in [low, high]."""
    return lambda fraction: feedback.progress(low + (high - low) * min(1.0, max(0.0, fraction)))


def _distortion(plan: RunPlan, params: TranslateParams, out: Path,
                feedback: Feedback, progress: Callable[[float], None]) -> None:
    from ..distortion import write_distortion_raster

    if plan.dem_path is None or plan.geometry is None:  # validate() plans a mask only then
        raise ValueError("A distortion mask needs a DEM and the acquisition geometry.")
    sub = Feedback(on_progress=lambda p: progress(p / 100.0), on_info=feedback.info,
                   on_warning=feedback.warning, is_cancelled=feedback.is_cancelled)
    write_distortion_raster(plan.dem_path, out, plan.geometry, sub, target=plan.sar_grid)


def _parameters(params: TranslateParams, plan: RunPlan, batch: int) -> dict:
    data = asdict(params)
    data["batch"] = batch  # what ran, not 0 for "automatic"
    data["runtime"] = plan.model.runtime  # what ran, not "auto"
    data.update(sar_path=plan.sar_path.name, dem_path=plan.dem_path.name if plan.dem_path
                else None, out_path=plan.out_path.name, model=plan.model.name,
                distortion_out=plan.distortion_path.name if plan.distortion_path else None,
                resampled=plan.resample, sar_linear=plan.sar_linear)
    if plan.geometry is not None:
        data.update(incidence=plan.geometry.incidence_deg, heading=plan.geometry.heading_deg)
    return data
