"""Evaluate trained models on a dataset split, as in the paper: MSE/SSIM/PSNR per distortion
region, FID on whole images (when Inception weights are given), optional contrast
enhancement, and the comparison figure. ``sardine evaluate`` and ``sardine experiment`` call
``evaluate_models``; the result is the report dict that ``training.report`` writes."""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ...core.errors import InputError
from ...core.feedback import Feedback
from ...core.geometry import AcquisitionGeometry
from ...core.version import __version__
from .baseline import ReferenceRow
from .data import EvalData, open_eval_data
from .metrics import REGIONS, RegionAccumulator
from .models import EvalModel, apply_enhancement, check_enhancements, load_eval_models
from .realism import TRUTH, realism_accumulators, realism_note

log = logging.getLogger("sardine")


@dataclass
class EvalOptions:
    """How to evaluate; the CLI maps its options one to one."""

    split: str = "test"                       # train, val, test or all
    enhancements: tuple[str, ...] = ("none",)
    inception_weights: str | None = None      # .safetensors; None: FID is skipped
    geometry: AcquisitionGeometry = field(default_factory=AcquisitionGeometry)
    dataset_kind: str | None = None
    split_file: str | None = None
    labels: tuple[str, ...] | None = None
    device: str = "auto"
    batch: int = 8
    patch: int = 256                          # scene triplets only: window size
    stride: int | None = None                 # scene triplets only: window step
    figure_patches: int = 4
    flat_dem_m: float | None = None           # data without a DEM: constant DEM (metres)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise InputError(f"Unknown device {name!r}; use auto, cpu or cuda[:N].") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"Device {name} was asked for but torch sees no CUDA GPU; use "
                         "--device cpu (or auto).")
    return device


class _FidState:
    """Inception features of the truth and of each (model, enhancement), or why not."""

    def __init__(self, weights: str | None, device: torch.device) -> None:
        self.collectors: dict[tuple[str, str], object] = {}
        self.real = None
        self.model = None
        self.weights = weights
        self.device = device
        if weights is None:
            self.note = ("not computed: no Inception-v3 weights were given (nothing can be "
                         "downloaded here). Pass --inception-weights FILE.safetensors to add it.")
            log.warning("FID skipped: no --inception-weights given; the report has MSE, SSIM "
                        "and PSNR only.")
            return
        from .fid import FeatureCollector, load_inception

        self.model = load_inception(weights)
        self.real = FeatureCollector(self.model, device)
        self.note = f"Inception-v3 features from `{Path(weights).name}`"

    def collector(self, key: tuple[str, str]):
        from .fid import FeatureCollector

        if key not in self.collectors:
            self.collectors[key] = FeatureCollector(self.model, self.device)
        return self.collectors[key]

    def value(self, key: tuple[str, str]) -> float:
        from .fid import fid_from_features

        if self.model is None or key not in self.collectors:
            return math.nan
        return fid_from_features(self.collectors[key].features(), self.real.features())


def _predict(model: EvalModel, batch: list[dict], device: torch.device) -> np.ndarray:
    sar = torch.stack([s["sar"] for s in batch]).to(device)
    dem = torch.stack([s["dem"] for s in batch]).to(device) if model.uses_dem else None
    with torch.no_grad():
        rgb = model.model.predict(sar, dem)
    return rgb.float().clamp(0, 1).cpu().numpy()


def _batches(data: EvalData, dataset, size: int):
    """Consecutive samples of equal size, at most ``size`` per batch."""
    batch: list[dict] = []
    for index in data.indices:
        sample = dataset[index]
        if batch and (len(batch) == size or batch[0]["sar"].shape != sample["sar"].shape):
            yield batch
            batch = []
        batch.append(sample)
    if batch:
        yield batch


def evaluate_models(weights: Sequence[str | Path], data: str | Path,
                    options: EvalOptions | None = None, feedback: Feedback | None = None,
                    models: Sequence[EvalModel] | None = None) -> tuple[dict, dict]:
    """Evaluate every weights file; return ``(report, figure_inputs)``.

    ``figure_inputs`` holds the chosen patches and each model's translation of them, for
    ``training.figures.comparison_figure``.
    """
    options = options or EvalOptions()
    feedback = feedback or Feedback()
    check_enhancements(options.enhancements)
    device = resolve_device(options.device)
    models = list(models) if models is not None else load_eval_models(weights, options.labels)
    data_info = open_eval_data(data, models, options, feedback)  # said before the FID note
    fid = _FidState(options.inception_weights, device)
    reference = ReferenceRow(data_info, feedback)
    feedback.progress(5)

    if fid.real is not None:
        for batch in _batches(data_info, data_info.reference, options.batch):
            fid.real.add(torch.stack([s["optical"] for s in batch]).numpy())
    figure_preds: dict[str, list[np.ndarray]] = {}
    rows = []
    gamut, realism = realism_accumulators([TRUTH])
    for m_index, model in enumerate(models):
        model.model.to(device).eval()
        dataset = data_info.dataset_for(model)
        accs = {e: RegionAccumulator() for e in options.enhancements}
        real_accs = realism_accumulators(options.enhancements)[1]
        position = 0
        for batch in _batches(data_info, dataset, options.batch):
            feedback.check_cancelled()
            preds = _predict(model, batch, device)
            for e in options.enhancements:
                enhanced = apply_enhancement(preds, e)
                for k, sample in enumerate(batch):
                    accs[e].add(enhanced[k], sample["optical"].numpy(),
                                data_info.codes[position + k], sample["valid"][0].numpy())
                    real_accs[e].add(enhanced[k], sample["valid"][0].numpy())
                if fid.model is not None:
                    fid.collector((model.label, e)).add(enhanced)
            if m_index == 0:  # the truths are the same for every model
                for k, sample in enumerate(batch):
                    reference.add(sample["optical"].numpy(), data_info.codes[position + k],
                                  sample["valid"][0].numpy())
                    realism[TRUTH].add(sample["optical"].numpy(), sample["valid"][0].numpy())
            for k in range(len(batch)):
                if data_info.indices[position + k] in data_info.figure_indices:
                    figure_preds.setdefault(model.label, []).append(preds[k])
            position += len(batch)
        model.model.to("cpu")
        for e in options.enhancements:
            metrics = accs[e].result()
            metrics["global"]["fid"] = fid.value((model.label, e))
            rows.append({**model.describe(), "enhancement": e, "metrics": metrics,
                         "realism": real_accs[e].result()})
        feedback.progress(5 + 95 * (m_index + 1) / len(models))

    note = fid.note
    if fid.real is not None:
        count = fid.real.count
        note += (f", {count} images per set" + (
            "; with fewer than 2048 images FID is biased upwards: compare models only within "
            "this report" if count < 2048 else ""))
    report = {
        "kind": "evaluation",
        "sardine_version": __version__,
        "dataset": data_info.describe(),
        "fid": {"computed": fid.model is not None, "weights": options.inception_weights,
                "note": note},
        "enhancements": list(options.enhancements),
        "geometry": options.geometry.to_dict(),
        "reference": reference.result(),
        "realism": {"truth": realism[TRUTH].result(), "note": realism_note(gamut)},
        "rows": rows,
    }
    figure_inputs = {"patches": data_info.figure_patches, "predictions": figure_preds}
    return report, figure_inputs



def region_pixels(rows: Sequence[dict]) -> dict[str, int]:
    """Pixels per region (the same for every model evaluated on one split)."""
    if not rows:
        return dict.fromkeys(REGIONS, 0)
    return {r: int(rows[0]["metrics"][r]["pixels"]) for r in REGIONS}


def write_evaluation(out_dir: str | Path, report: dict, figure_inputs: dict,
                     title: str | None = None) -> dict[str, Path]:
    """report.json/.csv/.md and figure.png in ``out_dir`` (created if needed)."""
    from .figures import comparison_figure
    from .report import report_markdown, write_reports

    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    report["dataset"]["pixels"] = region_pixels(report["rows"])
    paths = {}
    if figure_inputs["patches"] and figure_inputs["predictions"]:
        paths["figure"] = comparison_figure(out / "figure.png", figure_inputs["patches"],
                                            figure_inputs["predictions"], title)
        report["figure"] = "figure.png"
    paths.update(write_reports(out, report, report_markdown(report)))
    return paths
