"""The trust layer of a plain translation (``sardine translate --trust-out``): the engine
runs unchanged; when the caller gave a DEM but wanted no mask of their own, the distortion
mask is drawn into a scratch file in a thread beside the translation (``background``);
trust.tif is then written from the SAR, the DEM, that mask and the translation on the
SAR's grid. The translation stays valid if the trust pass fails or is cancelled
(the trust file then does not appear).
"""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from rasterio.enums import Resampling

from ..atomic import atomic_output, scratch_file
from ..feedback import Feedback
from ..translate import TranslateParams, TranslateResult, translate, validate
from ..translate.cores import usable_cores
from ..translate.preflight import check_geotiff_output
from ..version import __version__
from .background import BackgroundMask
from .layers import write_trust
from .reading import GridReader
from .run import _fraction, _sub

TRANSLATION_SHARE = 85.0  # percent of the progress bar for the translation itself


def translate_with_trust(params: TranslateParams, trust_out: str | Path,
                         feedback: Feedback | None = None) -> TranslateResult:
    """``translate(params)`` and its trust layer in ``trust_out`` (3 bands, docs/CHANGE.md)."""
    feedback = feedback or Feedback()
    trust_path = check_geotiff_output(trust_out, "trust layer",
                                      [params.sar_path, params.dem_path],
                                      {"translation": params.out_path,
                                       "distortion mask": params.distortion_out})
    with ExitStack() as stack:
        run_params = params
        if params.dem_path is not None and params.distortion_out is None:
            scratch = stack.enter_context(scratch_file(trust_path, ".part.dist.tif"))
            run_params = replace(params, distortion_out=scratch)
        plan = validate(run_params)
        tmp = stack.enter_context(atomic_output(trust_path))
        engine_params, engine_plan, mask = run_params, plan, None
        if run_params is not params:  # our own scratch mask: drawn beside the translation
            mask = BackgroundMask(plan, plan.distortion_path, feedback)
            stack.callback(mask.stop)  # runs before the scratch mask is removed
            engine_params = replace(run_params, distortion_out=None)
            engine_plan = replace(plan, distortion_path=None)
        result = translate(engine_params, _sub(feedback, 0.0, TRANSLATION_SHARE),
                           plan=engine_plan)
        if mask is not None:
            mask.result()
        grid = plan.sar_grid
        tags = {"SARDINE_VERSION": __version__, "SARDINE_MODEL": plan.model.name,
                "SARDINE_SOURCE_SAR": plan.sar_path.name}
        with GridReader(plan.sar_path, grid, plan.sar_bands, linear=plan.sar_linear) as sar, \
                ExitStack() as readers:
            dem = (readers.enter_context(GridReader(plan.dem_path, grid, (1,),
                                                    Resampling.bilinear))
                   if plan.dem_path is not None else None)
            write_trust(grid, sar, result.out_path, dem, plan.distortion_path,
                        plan.model.normalization, tmp,
                        _fraction(feedback, TRANSLATION_SHARE, 100.0), feedback.check_cancelled,
                        tags, params.threads or usable_cores(),
                        plan.model.trust_calibration)
        feedback.check_cancelled()
    feedback.progress(100.0)
    if run_params is not params:
        result.distortion_path = None
    return result
