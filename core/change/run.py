"""``run_change(params, feedback)``: both acquisitions translated with one model on the
pre-event grid, then change.tif and trust.tif; all four outputs appear together or not at
all (each is written to a temporary file and renamed at the end).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from rasterio.enums import Resampling

from ..atomic import atomic_output, check_output_path, folder_made_for_run, scratch_file
from ..errors import InputError
from ..feedback import Feedback
from ..grid import RasterGrid
from ..raster_io import open_raster
from ..translate import TranslateParams, translate, validate
from ..translate.backends import load_for
from ..translate.cores import usable_cores
from ..translate.preflight import check_sar_raster
from ..version import __version__
from .background import BackgroundMask
from .layers import LayerInputs, write_layers
from .pair import check_pair, write_aligned
from .params import OUTPUTS, ChangeParams, ChangeResult
from .reading import GridReader

MIN_COVERAGE = 0.5  # below this share of the pre-event footprint, warn


def _sub(feedback: Feedback, low: float, high: float) -> Feedback:
    """A Feedback for one stage whose 0..100 maps to [low, high] of the whole run."""
    return Feedback(on_progress=lambda p: feedback.progress(low + (high - low) * p / 100.0),
                    on_info=feedback.info, on_warning=feedback.warning,
                    is_cancelled=feedback.is_cancelled)


def _fraction(feedback: Feedback, low: float, high: float) -> Callable[[float], None]:
    return lambda f: feedback.progress(low + (high - low) * min(1.0, max(0.0, f)))


def _translate_params(params: ChangeParams, sar: Path, bands: tuple[int, ...], out: Path,
                      distortion: Path | None) -> TranslateParams:
    return TranslateParams(sar_path=sar, out_path=out, model=params.model,
                           dem_path=params.dem_path, sar_bands=bands, device=params.device,
                           tile=params.tile, overlap=params.overlap, distortion_out=distortion,
                           incidence=params.incidence, heading=params.heading,
                           look=params.look, threads=params.threads)


def run_change(params: ChangeParams, feedback: Feedback | None = None) -> ChangeResult:
    """Write pre_optical.tif, post_optical.tif, change.tif and trust.tif into
    ``params.out_dir``. Raises InputError before any output exists when the pair cannot be
    compared (no overlap, other polarisations), Cancelled when asked to stop; either way
    nothing is left behind (a folder this run created is removed again)."""
    feedback = feedback or Feedback()
    start = time.perf_counter()
    pre, post = Path(params.pre_sar).expanduser(), Path(params.post_sar).expanduser()
    if len(params.pre_bands) != 2 or len(params.post_bands) != 2:
        raise InputError("Change needs the VV and VH bands of both acquisitions (two band "
                         "numbers each).")
    if pre.resolve() == post.resolve():  # runs (a check of the pipeline), but is said
        feedback.warning(f"The pre- and post-event SAR are the same file ({pre.name}): the "
                         "change is zero everywhere. Give the acquisition after the event "
                         "as the post-event SAR.")
    coverage = check_pair(pre, post)
    if coverage < MIN_COVERAGE:
        feedback.warning(f"The post-event SAR covers only about {100 * coverage:.0f}% of the "
                         "pre-event footprint; change is nodata elsewhere.")
    out_dir = Path(params.out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file; give a folder for the outputs.")
    with folder_made_for_run(out_dir):
        paths = _run(params, pre, post, out_dir, feedback)
    plan_grid = paths.pop("_grid")
    feedback.progress(100.0)
    return ChangeResult(paths=paths, width=plan_grid.width, height=plan_grid.height,
                        seconds=time.perf_counter() - start, warnings=list(feedback.warnings))


def _run(params: ChangeParams, pre: Path, post: Path, out_dir: Path, feedback: Feedback
         ) -> dict:
    finals = {name: check_output_path(out_dir / f"{name}.tif", [pre, post, params.dem_path])
              for name in OUTPUTS}
    with ExitStack() as stack:
        tmp = {name: stack.enter_context(atomic_output(path)) for name, path in finals.items()}
        dist = (stack.enter_context(scratch_file(finals["trust"], ".part.dist.tif"))
                if params.dem_path is not None else None)
        pre_params = _translate_params(params, pre, params.pre_bands, tmp["pre_optical"], dist)
        pre_plan = validate(pre_params)
        grid = pre_plan.sar_grid
        with open_raster(post, "post-event SAR") as src:  # refused for what it is, by name
            on_grid = RasterGrid.from_dataset(src) == grid
            # On the grid its checks are validate()'s below (the same file, bands and
            # messages; sampling it twice cost 0.07 s); elsewhere they come before the warp.
            post_linear = (False if on_grid else
                           check_sar_raster(src, post, params.post_bands, pre_plan.model,
                                            [])[3])
        if on_grid:  # already on the pre-event pixels: translated as it is, no copy
            post_sar, post_bands = post, params.post_bands
        else:
            post_sar, post_bands = stack.enter_context(
                scratch_file(finals["post_optical"], ".part.post.tif")), (1, 2)
            feedback.info(f"Warping the post-event SAR {post.name} onto the pre-event grid.")
            write_aligned(post, params.post_bands, post_linear, grid, post_sar,
                          _fraction(feedback, 0.0, 5.0), feedback.check_cancelled)
        post_params = _translate_params(params, post_sar, post_bands, tmp["post_optical"],
                                        None)
        post_plan = validate(post_params, pre_plan.model)  # the model's header read once
        run_params, run_plan = pre_params, pre_plan
        mask = None
        if dist is not None:  # the mask is drawn beside the translations, not before them
            mask = BackgroundMask(pre_plan, dist, feedback)
            stack.callback(mask.stop)  # runs before the scratch mask is removed
            run_params = replace(pre_params, distortion_out=None)
            run_plan = replace(pre_plan, distortion_path=None)
        model = load_for(pre_params, pre_plan.model)  # loaded (and compiled) once for both
        translate(run_params, _sub(feedback, 5.0, 45.0), model=model, plan=run_plan)
        translate(post_params, _sub(feedback, 45.0, 85.0), model=model, plan=post_plan)
        if mask is not None:
            mask.result()
        norm = pre_plan.model.normalization
        tags = {"SARDINE_VERSION": __version__, "SARDINE_MODEL": pre_plan.model.name,
                "SARDINE_PRE_SAR": pre.name, "SARDINE_POST_SAR": post.name}
        with ExitStack() as readers:
            sar = [readers.enter_context(GridReader(pre, grid, pre_plan.sar_bands,
                                                    linear=pre_plan.sar_linear)),
                   readers.enter_context(GridReader(post_sar, grid, post_plan.sar_bands,
                                                    linear=post_plan.sar_linear))]
            dem = (readers.enter_context(GridReader(pre_plan.dem_path, grid, (1,),
                                                    Resampling.bilinear))
                   if pre_plan.dem_path is not None else None)
            inputs = LayerInputs(grid, sar, [tmp["pre_optical"], tmp["post_optical"]], dem,
                                 dist, norm, pre_plan.model.trust_calibration)
            write_layers(inputs, tmp["trust"], tmp["change"], _fraction(feedback, 85.0, 100.0),
                         feedback.check_cancelled, tags, params.threads or usable_cores())
        feedback.check_cancelled()
    return {**finals, "_grid": grid}
