"""``adapt(AdaptConfig, feedback) -> AdaptResult``: fine-tune on the analyst's own site.

Order: load the base weights and check they fit the inputs, read the site onto the SAR
grid, split it into blocks, fine-tune for the time given, score base / adapted / flat
colour on the held-out blocks, then write the weights (atomically, with the scores in
their metadata) and the report. Nothing is written before the end, so an error or a
cancel leaves no file.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ...core.atomic import check_output_path
from ...core.bundled import fitting_model, resolve_model
from ...core.errors import InputError
from ...core.feedback import Feedback
from ...core.geometry import AcquisitionGeometry
from ...core.models.base import TranslationModel
from ...core.weights import WeightsMetadata, load_weights, save_weights
from ..onnx_twin import write_twin
from ..train.ddp import resolve_device
from ..train.trainer import seed_everything
from ..train.weights import inherited_calibration
from .config import AdaptConfig
from .loop import LoopResult, fine_tune
from .report import plain
from .score import Scorer
from .site import Site, read_site
from .split import BlockSplit, block_split

MIN_CLEAR_SHARE = 0.05
MIN_CLEAR_PIXELS = 64 * 64
PREDICTORS = ("flat colour", "base", "adapted")
ASSUMED = ("assumed: Sentinel-1 descending values, for the per-region scores only (the "
           "adapted weights do not depend on them)")
RECIPE_KEYS = ("lr", "batch", "patch", "detail", "l1_weight", "ssim_weight",
               "grad_weight", "contrast_weight", "luma_contrast_weight", "freeze", "batchnorm",
               "minutes", "steps", "holdout", "seed")


@dataclass
class AdaptResult:
    out: Path
    base: str
    scores: dict[str, dict]        # predictor -> {"regions": {...}, "gradient_ratio": r}
    split: BlockSplit
    loop: LoopResult
    site: Site
    config: AdaptConfig
    report_dir: Path | None = None
    geometry: dict | None = None   # of the per-region scores (with a DEM), and its source
    onnx: Path | None = None       # the ONNX twin beside ``out``, when written

    def mse(self, name: str) -> float:
        return float(self.scores[name]["regions"]["global"]["mse"])

    def ssim(self, name: str) -> float:
        return float(self.scores[name]["regions"]["global"]["ssim"])

    @property
    def beats_flat(self) -> bool:
        return self.mse("adapted") < self.mse("flat colour")

    @property
    def beats_base(self) -> bool:
        return self.mse("adapted") < self.mse("base")

    def verdict(self) -> list[str]:
        """Plain sentences on whether the adaptation helped on ground it never saw."""
        ratio = self.mse("adapted") / self.mse("flat colour")
        lines = [f"held-out MSE: adapted {self.mse('adapted'):.4f}, base "
                 f"{self.mse('base'):.4f}, flat colour {self.mse('flat colour'):.4f} "
                 f"(adapted / flat = {ratio:.2f})"]
        if not self.beats_flat:
            lines.append("WARNING: on held-out ground the adapted model does NOT beat a flat "
                         "patch of the training part's mean colour; its colours and textures "
                         "cannot be trusted there. Try more minutes, a clearer optical image "
                         "or a SAR acquisition closer in time.")
        elif not self.beats_base:
            lines.append("WARNING: the adapted model is no better than the base weights on "
                         "held-out ground.")
        grad = self.scores["adapted"]["gradient_ratio"]
        if math.isfinite(grad) and grad < 0.5:
            lines.append(f"note: the adapted image is smoother than the truth (mean gradient "
                         f"{grad:.2f} of the truth's): fine detail is lost.")
        return lines

    def metrics(self) -> dict:
        """Flat numbers for the weights' metadata."""
        out: dict = {}
        for name in PREDICTORS:
            key = name.replace(" ", "_")
            for metric in ("mse", "ssim", "psnr"):
                out[f"heldout_{metric}_{key}"] = self.scores[name]["regions"]["global"][metric]
            out[f"heldout_gradient_ratio_{key}"] = self.scores[name]["gradient_ratio"]
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else float(v))
                for k, v in out.items()}


def default_base(cfg: AdaptConfig) -> str:
    return fitting_model(cfg.dem is not None)


def load_base(cfg: AdaptConfig, feedback: Feedback | None = None
              ) -> tuple[str, TranslationModel, WeightsMetadata]:
    name = cfg.base or default_base(cfg)
    model, meta = load_weights(resolve_model(name))
    if model.spec.uses_dem and cfg.dem is None:
        raise InputError(f"The base model '{name}' ({model.spec.inputs_label}) fuses a DEM "
                         "but no DEM was given; give a DEM, or a SAR-only base model such "
                         "as sardinet.")
    if len(cfg.sar_bands) != model.spec.sar_channels:
        raise InputError(f"The base model '{name}' takes {model.spec.sar_channels} SAR "
                         f"band(s) but {len(cfg.sar_bands)} were chosen; choose "
                         f"{model.spec.sar_channels} SAR bands or another base model.")
    if cfg.detail:
        from ...core.models.sardinet import SARDINet, with_detail_head

        if isinstance(model, SARDINet):
            model = with_detail_head(model, cfg.detail)
        elif feedback is not None:  # the default recipe has a head: not an error here
            feedback.warning(f"no detail head: it fits SARDINet bases only, so '{name}' "
                             f"({model.spec.family}) is fine-tuned without one")
    return name, model, meta


def detail_width(model: TranslationModel) -> int:
    """The detail head the adapted model has (0: none), for the recipe recorded."""
    config = getattr(model, "config", None)
    return int(getattr(config, "detail_width", 0) or 0)


def patch_size(cfg: AdaptConfig, site: Site, multiple: int) -> int:
    patch = min(int(cfg.patch), *site.shape) // multiple * multiple
    if patch < max(16, multiple):
        raise InputError(f"The site ({site.shape[1]} x {site.shape[0]} px) is too small for "
                         f"the base model's {max(16, multiple)} px patches; give a larger "
                         "area.")
    return patch


def check_clear(site: Site) -> None:
    clear = int(site.valid.sum())
    share = clear / site.valid.size
    if clear < MIN_CLEAR_PIXELS or share < MIN_CLEAR_SHARE:
        reasons = ", ".join(f"{k}: {v:,}" for k, v in site.excluded.items()) or "none"
        raise InputError(f"Too few clear pixels to adapt: {clear:,} of {site.valid.size:,} "
                         f"({100 * share:.1f} %; pixels left out: {reasons}); need at least "
                         f"{MIN_CLEAR_PIXELS:,} and {100 * MIN_CLEAR_SHARE:.0f} %. Give a "
                         "cloud-free optical image that covers the SAR.")


def acquisition_geometry(cfg: AdaptConfig) -> tuple[AcquisitionGeometry, str]:
    """The geometry of the per-region scores and where it came from: as given, else as the
    SAR file states it, else Sentinel-1 descending (only the report's regions depend on it,
    so a guess is said rather than refused). An assumed geometry's source carries
    translation's own message on the missing angles (``resolve_geometry``)."""
    from ...core.sar_metadata import resolve_geometry

    try:
        geometry = resolve_geometry(cfg.incidence, cfg.heading, cfg.look, cfg.sar)
    except InputError as exc:
        return cfg.given_geometry(), f"{ASSUMED}. {exc}"
    if cfg.incidence is not None and cfg.heading is not None:
        return geometry, "given"
    return geometry, "read from the SAR file's metadata" + (
        "" if cfg.incidence is None and cfg.heading is None else " (the rest given)")


def distortion_codes(cfg: AdaptConfig, site: Site, feedback: Feedback
                     ) -> tuple[np.ndarray | None, dict | None]:
    """Distortion regions of the site (with a DEM) and the geometry used, for the report."""
    if site.dem_m is None:
        return None, None
    from ...core.distortion.mask import compute_distortion

    geometry, source = acquisition_geometry(cfg)
    said = (f"distortion regions: incidence {geometry.incidence_deg:.1f}, heading "
            f"{geometry.heading_deg:.1f} degrees, {geometry.look} looking ({source})")
    (feedback.warning if source.startswith(ASSUMED) else feedback.info)(said)
    codes = compute_distortion(site.dem_m, site.grid.metric_pixel_size(), geometry,
                               np.isfinite(site.dem_m))
    return codes, {**geometry.to_dict(), "source": source}


def adapt(cfg: AdaptConfig, feedback: Feedback | None = None) -> AdaptResult:
    """Fine-tune the base weights on the site; see the module docstring."""
    import torch

    previous = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    try:
        return _adapt(cfg, feedback or Feedback())
    finally:
        torch.set_num_threads(previous)


def _adapt(cfg: AdaptConfig, feedback: Feedback) -> AdaptResult:
    seed_everything(cfg.seed)
    out = check_output_path(cfg.out, [cfg.sar, cfg.optical, cfg.dem, cfg.cloud_mask, cfg.scl,
                                      cfg.base])
    device = resolve_device(cfg.device)
    if cfg.report is not None:
        from .report import check_report_folder

        check_report_folder(Path(cfg.report))
    name, model, meta = load_base(cfg, feedback)
    cfg = replace(cfg, detail=detail_width(model))
    site = read_site(cfg, meta.normalization, model.spec.uses_dem, feedback)
    feedback.info(f"optical bands {','.join(map(str, site.bands))} as red, green, blue "
                  f"({site.bands_how}); values: {site.scaling.describe()}")
    check_clear(site)
    split = block_split(site.valid, cfg.holdout, cfg.seed)
    patch = patch_size(cfg, site, model.spec.size_multiple)
    codes, geometry = distortion_codes(cfg, site, feedback)
    base_model = copy.deepcopy(model).to(device).eval()
    loop = fine_tune(model.to(device), site, split, replace(cfg, patch=patch), patch, device,
                     feedback)
    feedback.check_cancelled()
    scores = Scorer(site, split, codes).score(
        {"flat colour": "flat", "base": base_model, "adapted": model}, device)
    result = AdaptResult(out, name, scores, split, loop, site, cfg, geometry=geometry)
    norm = replace(meta.normalization, optical_scale=site.scaling.scale,
                   optical_offset=site.scaling.offset)
    info = {"base": name, "base_training_data": meta.training_data,
            "sar": str(cfg.sar), "optical": str(cfg.optical),
            "optical_bands": list(site.bands), "optical_scaling": site.scaling.kind,
            "split": split.to_dict(), "geometry": geometry, "patch": patch, "steps": loop.steps,
            "seconds": round(loop.seconds, 1), "stopped": loop.stopped,
            "recipe": {k: v for k, v in cfg.to_dict().items()
                       if k in RECIPE_KEYS},
            "scores": scores, "beats_flat_colour": result.beats_flat,
            "beats_base": result.beats_base}
    feedback.check_cancelled()
    save_weights(out, model.cpu(), WeightsMetadata(
        normalization=norm, pixel_size_m=float(site.grid.metric_pixel_size()[0]),
        training_data=f"{name} adapted to the site of {Path(cfg.sar).name} with "
                      f"{Path(cfg.optical).name} ({split.to_dict()['train_blocks']} training "
                      "blocks)",
        metrics=result.metrics(), extra={"adapt": plain(info)},
        trust_calibration=inherited_calibration(name, "sardine adapt")))
    if cfg.report is not None:
        from .report import write_report

        result.report_dir = write_report(result, base_model, Path(cfg.report))
    if cfg.onnx_twin:
        result.onnx = write_twin(out, feedback)
    feedback.progress(100.0)
    return result


__all__ = ["AdaptConfig", "AdaptResult", "adapt"]
