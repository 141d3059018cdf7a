"""``sardine experiment``: train every model with every seed, evaluate each run, and report
mean ± std over seeds (the paper averages five random initialisations).

Layout of the output folder::

    OUT/experiment.json                 what was asked (checked again on resume)
    OUT/split.json                      the split every run trains and is evaluated on
    OUT/runs/MODEL/seedN/               a trainer run folder (model.safetensors, history.csv)
        run_summary.json                written when training finished: the run is done
        evaluation.json, figure.npz     its evaluation (reused while the options match)
    OUT/report.json/.csv/.md, figure.png

Resuming skips finished runs, continues interrupted ones from their last epoch
(``last.safetensors`` + ``state.safetensors``) and re-evaluates only what changed.
"""
from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.atomic import atomic_output
from ...core.errors import InputError
from ...core.feedback import Feedback
from ...core.models.registry import model_entry
from ...core.version import __version__
from .evaluate import EvalOptions, evaluate_models, write_evaluation
from .metrics import REGIONS
from .report import COLUMNS

log = logging.getLogger("sardine")
SUMMARY = "run_summary.json"
EVALUATION = "evaluation.json"
FIGURE_CACHE = "figure.npz"


@dataclass
class ExperimentOptions:
    """Models x seeds to train, and how to train and evaluate them."""

    models: tuple[str, ...]
    seeds: int = 5
    epochs: int | None = None               # None: TrainConfig's default (100, as the paper)
    train: dict = field(default_factory=dict)            # TrainConfig fields for every run
    model_configs: dict = field(default_factory=dict)    # model name -> model_config
    train_per_model: dict = field(default_factory=dict)  # model name -> TrainConfig fields
    evaluation: EvalOptions = field(default_factory=EvalOptions)

    def __post_init__(self) -> None:
        if not self.models:
            raise InputError("No models given; pass --models sardinet,sardinet-late,...")
        if len(set(self.models)) != len(self.models):
            raise InputError(f"--models lists a model twice: {', '.join(self.models)}.")
        if self.seeds < 1:
            raise InputError(f"--seeds must be at least 1 (got {self.seeds}).")
        for name in self.models:  # every name, before a run folder is made for any
            model_entry(name)


def read_config(text: str | None) -> dict:
    """``--config``: an inline JSON object, or the path of a JSON file holding one."""
    if not text:
        return {}
    try:
        if text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            data = json.loads(Path(text).expanduser().read_text())
    except OSError as exc:
        raise InputError(f"--config {text!r} is not a readable file ({exc}); give a JSON "
                         "file or an inline JSON object.") from exc
    except ValueError as exc:
        raise InputError(f"--config is not valid JSON ({exc}); e.g. --config "
                         '\'{"train": {"batch": 8}}\'.') from exc
    if not isinstance(data, dict):
        raise InputError("--config must be a JSON object with 'train', 'models' and/or "
                         "'train_per_model'.")
    return data


def parse_config(data: dict | None) -> dict:
    """Split an ``--config`` object into ``train`` / ``models`` / ``train_per_model``."""
    data = dict(data or {})
    unknown = sorted(set(data) - {"train", "models", "train_per_model"})
    if unknown:
        raise InputError(f"--config has unknown key(s) {', '.join(unknown)}; use 'train' "
                         "(TrainConfig fields for every run), 'models' (model name -> model "
                         "settings) and 'train_per_model' (model name -> TrainConfig fields).")
    return {"train": dict(data.get("train", {})), "model_configs": dict(data.get("models", {})),
            "train_per_model": dict(data.get("train_per_model", {}))}


def _write_json(path: Path, data: dict) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class _SubFeedback(Feedback):
    """Maps a unit of work's 0-100 % onto a slice of the experiment's progress."""

    def __init__(self, parent: Feedback, start: float, span: float) -> None:
        super().__init__(on_info=parent.info, on_warning=parent.warning,
                         is_cancelled=parent.is_cancelled)
        self.on_progress = lambda pct: parent.progress(start + span * pct / 100.0)


class Experiment:
    """One experiment folder; ``run()`` brings it up to date and writes the report."""

    def __init__(self, data: str | Path, out: str | Path, options: ExperimentOptions,
                 feedback: Feedback | None = None) -> None:
        self.data = Path(data).expanduser().resolve()
        self.out = Path(out).expanduser().resolve()
        self.options = options
        self.feedback = feedback or Feedback()
        self.runs = [(m, s) for m in options.models for s in range(options.seeds)]

    def run_dir(self, model: str, seed: int) -> Path:
        return self.out / "runs" / model / f"seed{seed}"

    # -- set-up -----------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create the folder, check a resumed experiment uses the same data, fix the split."""
        from ..datasets import make_split, open_dataset

        self.out.mkdir(parents=True, exist_ok=True)
        record = self.out / "experiment.json"
        previous = _read_json(record)
        if previous and previous.get("data") != str(self.data):
            raise InputError(f"{self.out} holds an experiment on {previous.get('data')}, not "
                             f"{self.data}; choose another --out folder.")
        opts = self.options
        _write_json(record, {"data": str(self.data), "models": list(opts.models),
                             "seeds": opts.seeds, "epochs": opts.epochs, "train": opts.train,
                             "models_config": opts.model_configs,
                             "train_per_model": opts.train_per_model,
                             "sardine_version": __version__})
        split_path = self.out / "split.json"
        if (self.data / "splits.json").is_file():
            self.split_text = (self.data / "splits.json").read_text()
        elif split_path.is_file():
            self.split_text = split_path.read_text()
        else:
            dataset = open_dataset(self.data, kind=opts.train.get("dataset_kind"))
            self.split_text = json.dumps(make_split(dataset, 0), indent=1)
        if not split_path.is_file() or split_path.read_text() != self.split_text:
            with atomic_output(split_path) as tmp:
                tmp.write_text(self.split_text)

    def train_config(self, model: str, seed: int):
        from ..train.config import TrainConfig

        opts = self.options
        fields = {**opts.train, **opts.train_per_model.get(model, {})}
        if opts.epochs is not None:
            fields["epochs"] = opts.epochs
        if model in opts.model_configs:
            fields["model_config"] = opts.model_configs[model]
        fields.update(data=str(self.data), out=str(self.run_dir(model, seed)), model=model,
                      seed=seed, onnx_twin=False)  # runs to score, not to ship
        try:
            return TrainConfig.from_dict(fields)
        except TypeError as exc:
            raise InputError(f"--config 'train' holds a setting TrainConfig does not take "
                             f"({exc}).") from exc

    # -- one run ----------------------------------------------------------------------------
    def train_run(self, model: str, seed: int, feedback: Feedback) -> dict:
        """Train (or resume) one run unless it is finished; return its summary."""
        from ..train.trainer import train

        run_dir = self.run_dir(model, seed)
        summary = _read_json(run_dir / SUMMARY)
        if summary and (run_dir / "model.safetensors").is_file():
            wanted = self.train_config(model, seed).epochs
            if summary.get("epochs") != wanted:
                feedback.warning(f"{run_dir} was trained for {summary.get('epochs')} epochs, "
                                 f"not {wanted}; kept as is (delete the folder to retrain).")
            log.info("%s seed %d: finished earlier, skipped", model, seed)
            return summary
        cfg = self.train_config(model, seed)
        resumable = (run_dir / "last.safetensors").is_file() and \
            (run_dir / "state.safetensors").is_file()
        if not resumable and any((run_dir / n).exists()
                                 for n in ("model.safetensors", "history.csv")):
            raise InputError(f"{run_dir} holds a run that can neither be resumed (no "
                             "last.safetensors/state.safetensors) nor reused; delete that "
                             "folder and run the experiment again.")
        cfg.resume = resumable
        run_dir.mkdir(parents=True, exist_ok=True)
        if not resumable:  # the trainer reads the run folder's split first
            with atomic_output(run_dir / "split.json") as tmp:
                tmp.write_text(self.split_text)
        tick = time.perf_counter()
        result = train(cfg, feedback)
        seconds = sum(float(r.get("seconds", 0.0)) for r in result.history)
        summary = {"model": model, "seed": seed, "epochs": cfg.epochs,
                   "best_epoch": result.best_epoch, "best_val_l1": result.best_val_l1,
                   "train_seconds": seconds,
                   "wall_seconds_this_session": time.perf_counter() - tick,
                   "resumed": resumable}
        _write_json(run_dir / SUMMARY, summary)
        return summary

    def evaluate_run(self, model: str, seed: int, feedback: Feedback) -> tuple[list, dict]:
        """Rows of one run (one per enhancement) and its figure translations, cached."""
        run_dir = self.run_dir(model, seed)
        opts = self.options.evaluation
        signature = {"split": opts.split, "enhancements": list(opts.enhancements),
                     "inception": _file_id(opts.inception_weights),
                     "geometry": opts.geometry.to_dict(), "split_text": self.split_text,
                     "weights_mtime": (run_dir / "model.safetensors").stat().st_mtime}
        cached = _read_json(run_dir / EVALUATION)
        if cached and cached.get("signature") == signature and \
                (run_dir / FIGURE_CACHE).is_file():
            with np.load(run_dir / FIGURE_CACHE) as npz:
                preds = [npz[k] for k in sorted(npz.files)]
            return cached["report"]["rows"], {"patches": None, "predictions": preds,
                                              "report": cached["report"]}
        report, figure = evaluate_models([run_dir / "model.safetensors"], self.data, opts,
                                         feedback)
        label = report["rows"][0]["model"]
        preds = figure["predictions"].get(label, [])
        with atomic_output(run_dir / FIGURE_CACHE) as tmp:
            with tmp.open("wb") as handle:
                np.savez_compressed(handle, **{f"p{i:03d}": p.astype(np.float16)
                                               for i, p in enumerate(preds)})
        _write_json(run_dir / EVALUATION, {"signature": signature, "report": report})
        return report["rows"], {"patches": figure["patches"], "predictions": preds,
                                "report": report}

    # -- everything -------------------------------------------------------------------------
    def run(self) -> dict[str, Path]:
        self.prepare()
        total = len(self.runs)
        per_model: dict[str, list[tuple[dict, list]]] = {m: [] for m in self.options.models}
        figure_patches, figure_preds, base_report = None, {}, None
        for k, (model, seed) in enumerate(self.runs):
            self.feedback.check_cancelled()
            self.feedback.info(f"{model} seed {seed} ({k + 1}/{total})")
            start = 100.0 * k / total
            summary = self.train_run(model, seed,
                                     _SubFeedback(self.feedback, start, 85.0 / total))
            rows, figure = self.evaluate_run(model, seed,
                                             _SubFeedback(self.feedback, start + 85.0 / total,
                                                          15.0 / total))
            per_model[model].append((summary, rows))
            if seed == 0:
                figure_preds[model] = figure["predictions"]
                if figure["patches"] is not None and figure_patches is None:
                    figure_patches = figure["patches"]
            base_report = base_report or figure["report"]
        if figure_patches is None and figure_preds:
            figure_patches = self._figure_patches()
        report = self.aggregate(per_model, base_report)
        paths = write_evaluation(self.out, report,
                                 {"patches": figure_patches or [], "predictions": figure_preds},
                                 title=f"seed 0 of each model, {report['dataset']['split']} "
                                       "split")
        self.feedback.progress(100.0)
        return paths

    def _figure_patches(self) -> list[dict]:
        """The figure's patches when every evaluation came from the cache."""
        from .data import open_eval_data
        from .models import load_eval_models

        models = load_eval_models([self.run_dir(self.options.models[0], 0)
                                   / "model.safetensors"])
        return open_eval_data(self.data, models, self.options.evaluation,
                              Feedback()).figure_patches

    def aggregate(self, per_model: dict, base_report: dict) -> dict:
        """Mean ± std over seeds per (model, enhancement), with sizes and training time."""
        rows = []
        for model, runs in per_model.items():
            seconds = [s["train_seconds"] for s, _ in runs]
            first = runs[0][1]
            for e_index, template in enumerate(first):
                per_seed = [r[e_index]["metrics"] for _, r in runs]
                # Every seed is evaluated on the same split: the pixel counts agree.
                metrics = {region: {"pixels": per_seed[0][region]["pixels"]}
                           for region in REGIONS}
                for region, metric in COLUMNS:
                    values = [m[region].get(metric) for m in per_seed]
                    metrics[region][metric] = _mean_std(values)
                rows.append({"model": model, "enhancement": template["enhancement"],
                             "architecture": template["architecture"], "seeds": len(runs),
                             "parameters": template["parameters"],
                             "conditioning_weights": template["conditioning_weights"],
                             "train_seconds": _mean_std(seconds), "metrics": metrics,
                             "realism": _mean_realism([r[e_index] for _, r in runs]),
                             "runs": [str(self.run_dir(model, s["seed"])) for s, _ in runs]})
        report = dict(base_report)
        report.update(kind="experiment", rows=rows, sardine_version=__version__,
                      seeds_note=(f"Mean ± sample std over {self.options.seeds} seed(s) "
                                  f"(0..{self.options.seeds - 1}); every run trained on the "
                                  "same split."))
        report["dataset"] = dict(base_report["dataset"], split_source=str(self.out /
                                                                            "split.json"))
        return report


def _mean_realism(rows: list[dict]) -> dict | None:
    """Mean over seeds of the realism measures (None for runs evaluated before they existed)."""
    values = [r.get("realism") for r in rows]
    if any(v is None for v in values):
        return None
    out = {k: float(np.nanmean([v[k] if v[k] is not None else math.nan for v in values]))
           for k in ("out_of_gamut", "grid_excess")}
    return out | {"grid_period": values[0].get("grid_period")}


def _mean_std(values: list) -> dict:
    nums = [float(v) for v in values if v is not None]
    finite = [v for v in nums if math.isfinite(v)]
    if not nums:
        return {"mean": None, "std": None, "values": []}
    if len(finite) != len(nums):  # an infinite PSNR (perfect region) dominates the mean
        return {"mean": float(np.mean(nums)), "std": None, "values": nums}
    std = float(np.std(finite, ddof=1)) if len(finite) > 1 else None
    return {"mean": float(np.mean(finite)), "std": std, "values": nums}


def _file_id(path: str | None) -> list | None:
    if path is None:
        return None
    p = Path(path).expanduser()
    return [str(p.resolve()), p.stat().st_size if p.exists() else None]
