"""The headless trainer: ``train(TrainConfig, feedback) -> RunResult``.

One loop for every model family (the family-specific update is a ``train_steps`` class).
Each epoch: train on the shuffled training split, validate (L1/MSE/SSIM/PSNR on valid
pixels), then rank 0 writes into the run folder:

- ``model.safetensors``  weights of the best validation L1 so far (float32, loadable by
  the plugin with its metadata: normalisation, data, metrics);
- ``last.safetensors`` + ``state.safetensors``  last epoch, optimiser and RNG states, so
  ``resume=True`` continues bit for bit (single process);
- ``history.csv``, ``loss.png``, ``previews/epoch_NNN.png``, ``config.json``, ``split.json``.

When the run ends, ``model.onnx`` (the ONNX twin of ``model.safetensors``, see
``training.onnx_twin``) is written too, unless ``onnx_twin`` is off.
"""
from __future__ import annotations

import json
import logging
import math
import random
import sys
import time

import numpy as np
import torch

from ...core.atomic import atomic_output
from ...core.errors import Cancelled, InputError
from ...core.feedback import Feedback
from ...core.models.registry import build_model
from ..datasets import save_split
from ..onnx_twin import write_twin
from . import ddp
from .amp import Amp
from .args import config_from_json
from .checkpoint import STATE_FILE, load_state, rng_state, save_state, set_rng_state
from .config import RunResult, TrainConfig
from .data import RunData, build_run_data
from .divergence import diverged, no_validation_score, remove_unfinished
from .gan import CycleGANStep, Pix2PixStep
from .history import read_history, write_history
from .plots import plot_losses, plot_previews
from .steps import Step, SupervisedStep, step_for
from .validation import predict_batch, validate
from .warmstart import load_init, start_fresh_output_at_colour
from .weights import load_into, save_run_weights

log = logging.getLogger("sardine")
RUN_FILES = ("model.safetensors", "last.safetensors", STATE_FILE, "history.csv")
FAMILIES = (SupervisedStep, Pix2PixStep, CycleGANStep)  # importing them registers them


def train(config: TrainConfig, feedback: Feedback | None = None,
          progress_bars: bool = False) -> RunResult:
    """Train ``config.model`` on ``config.data`` into the run folder ``config.out``.

    ``feedback`` receives overall progress (0-100 over all epochs), one info line per
    epoch, and is polled for cancellation between batches. ``progress_bars`` draws a tqdm
    bar per epoch on stderr (the CLI turns it on). Under ``torchrun`` every process calls
    this; only rank 0 writes files. Raises ``InputError`` for unusable data or options and
    ``Cancelled`` when stopped (the run folder then holds the last completed epoch; a run
    folder this call created is removed again when no epoch was completed).
    """
    feedback = feedback or Feedback()
    fresh = not config.run_dir.exists()
    ctx = ddp.setup(config.device)
    try:
        result = _Run(config, feedback, ctx, progress_bars).run()
    except BaseException:
        ctx.close(graceful=False)
        if fresh and ctx.is_main:
            remove_unfinished(config.run_dir.resolve(), RUN_FILES)
        raise
    ctx.close()  # nothing references the run (and its DDP wrappers) any more: see close()
    if config.onnx_twin and ctx.is_main and result.model_path.is_file():
        result.onnx = write_twin(result.model_path, feedback)
    return result


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class _Run:
    def __init__(self, cfg: TrainConfig, feedback: Feedback, ctx: ddp.DistContext,
                 bars: bool) -> None:
        self.cfg = cfg
        self.feedback = feedback
        self.ctx = ctx
        self.bars = bars and ctx.is_main
        self.run_dir = cfg.run_dir.resolve()
        self.history: list[dict] = []
        self.best_l1 = float("inf")
        self.best_epoch = 0
        self.best_metrics: dict = {}
        self.start_colour: list[float] | None = None  # a fresh model's starting colour
        self.warm_start: dict | None = None  # --init: tensors copied and left fresh

    # -- set-up ---------------------------------------------------------------------------
    def prepare_folder(self) -> None:
        existing = [n for n in RUN_FILES if (self.run_dir / n).exists()]
        if self.cfg.resume and not (self.run_dir / "last.safetensors").exists():
            raise InputError(f"{self.run_dir} holds no last.safetensors to resume from; "
                             "train without --resume first.")
        if existing and not self.cfg.resume:
            raise InputError(f"{self.run_dir} already holds a run ({existing[0]}); pass "
                             "--resume to continue it or choose another --out folder.")
        if self.ctx.is_main:
            if not self.run_dir.parent.is_dir():
                raise InputError(f"The folder {self.run_dir.parent} does not exist; create "
                                 f"it first (the run folder {self.run_dir.name} is created).")
            (self.run_dir / "previews").mkdir(parents=True, exist_ok=True)
        self.ctx.barrier()

    def build(self) -> tuple[RunData, Step]:
        seed_everything(self.cfg.seed)
        init_norm, warm = None, None
        if self.cfg.init:
            model, init_norm, warm = load_init(self.cfg)
            self.warm_start = warm.to_dict()
        else:
            model = build_model(self.cfg.model, self.cfg.model_config)
        spec = model.spec
        data = build_run_data(self.cfg, self.ctx, self.run_dir, spec.sar_channels, init_norm)
        if spec.uses_dem and not data.dataset.has_dem:
            raise InputError(f"{self.cfg.data} has no DEM but {spec.name} fuses one; "
                             "add DEM rasters or train a SAR-only model (sardinet, or "
                             "pix2pix/cyclegan without DEM).")
        height, width = data.dataset[data.train.indices[0]]["sar"].shape[-2:]
        if height % spec.size_multiple or width % spec.size_multiple:
            raise InputError(f"Patches of {height}x{width} px from {self.cfg.data} are not "
                             f"multiples of {spec.size_multiple}, which {spec.name} needs; "
                             "choose --patch accordingly or crop the patches.")
        if warm is None or warm.partial:  # a fresh output starts at the training mean colour
            colour = data.mean_colour()
            if colour is not None and start_fresh_output_at_colour(model, warm, colour):
                self.start_colour = [round(c, 4) for c in colour]
        epochs = self.cfg.epochs
        amp = Amp(self.ctx.device, self.cfg.amp)
        self.amp = amp
        return data, step_for(model, self.cfg, self.ctx, amp, epochs)

    def write_config(self, data: RunData, step: Step) -> None:
        model = step.translation_model
        info = {"train": self.cfg.to_dict(), "model_spec": model.spec.to_dict(),
                "model_config": _config_dict(model.config),
                "normalization": data.dataset.norm.to_dict(),
                "dataset": data.dataset.describe(),
                "split_sizes": {k: len(v) for k, v in data.split.items()},
                "world_size": self.ctx.world_size, "device": str(self.ctx.device),
                "lr": step.lr, "start_colour": self.start_colour, "warm_start": self.warm_start,
                "torch": torch.__version__}
        with atomic_output(self.run_dir / "config.json") as tmp:
            tmp.write_text(json.dumps(info, indent=2, default=str))
        save_split(data.split, self.run_dir)

    def resume(self, step: Step) -> int:
        """Restore model, optimisers, RNGs and history; return the last finished epoch."""
        tensors, meta = load_state(self.run_dir / STATE_FILE)
        load_into(self.run_dir / "last.safetensors", step.translation_model)
        step.load(tensors, meta)
        set_rng_state(tensors, meta["rng"])
        epoch = int(meta["epoch"])
        self.history = read_history(self.run_dir / "history.csv", epoch)
        self.best_l1 = float(meta["best_l1"])
        self.best_epoch = int(meta["best_epoch"])
        self.best_metrics = dict(meta.get("best_metrics", {}))
        return epoch

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        self.prepare_folder()
        data, step = self.build()
        if self.ctx.is_main:
            self.write_config(data, step)
        start = self.resume(step) if self.cfg.resume else 0
        previews = data.preview_samples(self.cfg.previews)
        began = time.perf_counter()
        for epoch in range(start + 1, self.cfg.epochs + 1):
            tick = time.perf_counter()
            train_loader, val_loader = data.loaders(self.cfg, self.ctx, epoch)
            terms = self.train_epoch(step, train_loader, epoch)
            if self.cfg.recalibrate_bn:
                step.recalibrate_batchnorm(train_loader)
            ddp.sync_buffers(step.translation_model, self.ctx)
            metrics = validate(step.translation_model, val_loader, self.amp, self.ctx)
            if not math.isfinite(metrics["val_l1"]):
                raise no_validation_score(self.run_dir, epoch, self.cfg.resume or epoch > 1)
            row = {"epoch": epoch, **{f"train_{k}": v for k, v in terms.items()}, **metrics,
                   "lr": step.current_lr(), "seconds": time.perf_counter() - tick}
            step.end_epoch(epoch)
            self.history.append(row)
            score = metrics[f"val_{self.cfg.loss}"]  # best_l1: the chosen loss's score
            improved = score < self.best_l1
            if improved:
                self.best_l1, self.best_epoch, self.best_metrics = score, epoch, metrics
            if self.ctx.is_main:
                self.save_epoch(data, step, epoch, improved, previews)
            self.ctx.barrier()
            self.feedback.info(_summary(row))
            self.feedback.progress(100.0 * (epoch - start) / max(1, self.cfg.epochs - start))
            limit = self.cfg.max_minutes
            if limit is not None and self.ctx.any(time.perf_counter() - began > 60 * limit) \
                    and epoch < self.cfg.epochs:
                self.feedback.info(f"stopping after epoch {epoch}: the {limit:g}-minute limit "
                                   "has passed (continue with --resume and more time)")
                break
        return RunResult(run_dir=self.run_dir, model_path=self.run_dir / "model.safetensors",
                         last_path=self.run_dir / "last.safetensors",
                         best_epoch=self.best_epoch, best_val_l1=self.best_l1,
                         metrics=self.best_metrics, history=self.history, split=data.split)

    def train_epoch(self, step: Step, loader, epoch: int) -> dict[str, float]:
        step.train()
        totals: dict[str, float] = {}
        batches = 0
        bar = None
        if self.bars:
            from tqdm import tqdm

            bar = tqdm(total=len(loader), desc=f"epoch {epoch}/{self.cfg.epochs}",
                       unit="batch", file=sys.stderr, leave=True, dynamic_ncols=True)
        try:
            for batch in loader:
                if self.ctx.any(self.feedback.is_cancelled()):
                    kept = (f"{self.run_dir} holds the last completed epoch (continue with "
                            "--resume)") if epoch > 1 or self.cfg.resume else \
                        "no epoch was completed, so nothing was kept"
                    raise Cancelled(f"Training cancelled during epoch {epoch}; {kept}.")
                terms = step.train_batch(batch)
                if self.ctx.any(not all(math.isfinite(v) for v in terms.values())):
                    raise diverged(self.run_dir, epoch, terms, self.cfg.resume or epoch > 1)
                for key, value in terms.items():
                    totals[key] = totals.get(key, 0.0) + value
                batches += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix({k: f"{v / batches:.4f}" for k, v in totals.items()})
        finally:
            if bar is not None:
                bar.close()
        sums = self.ctx.sum([totals[k] for k in sorted(totals)] + [float(batches)])
        count = max(sums[-1], 1.0)
        return {k: v / count for k, v in zip(sorted(totals), sums[:-1], strict=True)}

    def save_epoch(self, data: RunData, step: Step, epoch: int, improved: bool,
                   previews: list[dict]) -> None:
        """Weights, resumable state, history and pictures of one finished epoch."""
        model = step.translation_model
        norm = data.dataset.norm
        info = data.dataset.describe()
        metrics = dict(self.history[-1], epoch=epoch)
        if improved:
            save_run_weights(self.run_dir / "model.safetensors", model, norm, info, metrics,
                             self.cfg, torch.float32)
        save_run_weights(self.run_dir / "last.safetensors", model, norm, info, metrics,
                         self.cfg, torch.float32)
        tensors, meta = step.state()
        rng_tensors, rng_meta = rng_state()
        meta.update({"epoch": epoch, "best_l1": self.best_l1, "best_epoch": self.best_epoch,
                     "best_metrics": self.best_metrics, "rng": rng_meta})
        save_state(self.run_dir / STATE_FILE, {**tensors, **rng_tensors}, meta)
        write_history(self.history, self.run_dir / "history.csv")
        plot_losses(self.history, self.run_dir / "loss.png")
        if previews:
            batch = {k: torch.stack([s[k] for s in previews]) for k in previews[0]}
            preds = list(predict_batch(model, batch, self.amp).numpy())
            plot_previews(previews, preds, self.run_dir / "previews" / f"epoch_{epoch:03d}.png",
                          f"{model.spec.name} epoch {epoch}: val L1 "
                          f"{self.history[-1]['val_l1']:.4f}")


def _config_dict(config) -> dict:
    from dataclasses import asdict, is_dataclass

    if config is None:
        return {}
    return asdict(config) if is_dataclass(config) else dict(config)


def _summary(row: dict) -> str:
    parts = [f"epoch {row['epoch']}"]
    parts += [f"{k[6:]} {v:.4f}" for k, v in row.items() if k.startswith("train_")]
    parts += [f"val L1 {row['val_l1']:.4f}", f"MSE {row['val_mse']:.4f}",
              f"SSIM {row['val_ssim']:.3f}", f"PSNR {row['val_psnr']:.2f} dB",
              f"{row['seconds']:.1f} s"]
    return ", ".join(parts)


__all__ = ["RunResult", "TrainConfig", "config_from_json", "train"]
