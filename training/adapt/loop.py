"""The time-bounded fine-tuning loop.

Random patches are drawn from the site (at least a third of each patch clear training
ground); the loss counts only clear pixels of the training part, so clouds and the
held-out blocks never teach the model anything (their SAR may be seen as context, as in
any translation). Augmentation is a flip along the rows only: rotations or left-right
flips would turn slopes away from the sensor, which the real acquisition never does.
Every ``check_seconds`` the loss on the monitoring blocks is measured; the best state is
kept, and the loop stops when the time is up or after ``patience`` checks without gain.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ...core.errors import Cancelled
from ...core.feedback import Feedback
from ...core.models.base import TranslationModel
from ..train.amp import Amp
from .config import AdaptConfig
from .losses import adapt_loss
from .score import monitor_loss
from .site import Site
from .split import BlockSplit

MIN_CLEAR_SHARE = 0.33


@dataclass
class LoopResult:
    best_loss: float
    base_loss: float
    steps: int
    seconds: float
    stopped: str
    history: list[dict] = field(default_factory=list)


class PatchSampler:
    """Random training patches and their loss masks, from the site in memory."""

    def __init__(self, site: Site, train: np.ndarray, patch: int, seed: int) -> None:
        self.site = site
        self.loss_mask = train & site.valid
        self.patch = patch
        self.rng = np.random.default_rng(seed)
        integral = np.zeros((site.shape[0] + 1, site.shape[1] + 1), np.int64)
        integral[1:, 1:] = self.loss_mask.cumsum(0).cumsum(1)
        p = patch
        counts = integral[p:, p:] - integral[:-p, p:] - integral[p:, :-p] + integral[:-p, :-p]
        good = np.argwhere(counts >= MIN_CLEAR_SHARE * p * p)
        self.corners = good if len(good) else np.argwhere(counts > 0)

    def batch(self, size: int) -> dict[str, torch.Tensor]:
        p = self.patch
        picks = self.corners[self.rng.integers(0, len(self.corners), size)]
        flips = self.rng.random(size) < 0.5
        site = self.site

        def cut(array: np.ndarray) -> torch.Tensor:
            parts = []
            for (r, c), flip in zip(picks, flips, strict=True):
                part = array[..., r:r + p, c:c + p]
                parts.append(part[..., ::-1, :] if flip else part)
            return torch.from_numpy(np.ascontiguousarray(np.stack(parts)))

        out = {"sar": cut(site.sar), "optical": cut(site.optical),
               "valid": cut(self.loss_mask[None])}
        if site.dem is not None:
            out["dem"] = cut(site.dem)
        return out


def freeze(model: TranslationModel, what: str) -> None:
    """Keep part of the base model fixed (``conditioning``: the input layers)."""
    if what == "none":
        return
    module = getattr(model, what, None)
    if module is None:
        return
    for parameter in module.parameters():
        parameter.requires_grad_(False)


def train_mode(model: TranslationModel, batchnorm: str) -> None:
    """Training mode; with ``batchnorm="frozen"`` the normalisation layers keep the base's
    running statistics (a few small patches per step would make them noisy)."""
    model.train()
    if batchnorm == "frozen":
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def fine_tune(model: TranslationModel, site: Site, split: BlockSplit, cfg: AdaptConfig,
              patch: int, device: torch.device, feedback: Feedback) -> LoopResult:
    """Train ``model`` in place for at most ``cfg.minutes``; it ends holding the best state."""
    weights = cfg.loss_weights
    amp = Amp(device, enabled=True)
    model = amp.prepare_model(model)
    freeze(model, cfg.freeze)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=cfg.lr)
    sampler = PatchSampler(site, split.mask("train"), patch, cfg.seed)
    budget = 60.0 * float(cfg.minutes)
    check_seconds = max(5.0, min(60.0, budget / 15.0))
    check_steps = max(1, int(cfg.steps) // 10) if cfg.steps else None
    began = time.perf_counter()

    def spent() -> float:
        """Share of the budget used (steps when a step count is set, else time)."""
        elapsed = (time.perf_counter() - began) / budget
        return max(elapsed, step / cfg.steps) if cfg.steps else elapsed

    def due() -> bool:
        if check_steps is not None:
            return step % check_steps == 0
        return time.perf_counter() - last_check >= check_seconds

    def check(step: int, train_loss: float) -> float:
        model.eval()
        loss = monitor_loss(model, site, split, device, weights)
        train_mode(model, cfg.batchnorm)
        row = {"step": step, "seconds": round(time.perf_counter() - began, 2),
               "train_loss": train_loss, "monitor_loss": loss}
        history.append(row)
        feedback.info(f"step {step}: train loss {train_loss:.4f}, monitor loss {loss:.4f}")
        return loss

    history: list[dict] = []
    base_loss = best = check(0, float("nan"))
    best_state = copy.deepcopy(model.state_dict())
    since_gain, step, running, n_running = 0, 0, 0.0, 0
    last_check = time.perf_counter()
    stopped = "budget used"
    train_mode(model, cfg.batchnorm)
    while spent() < 1.0:
        if feedback.is_cancelled():
            raise Cancelled("Adaptation cancelled; no weights were written.")
        batch = {k: amp.to_device(v) for k, v in sampler.batch(cfg.batch).items()}
        sar = model.unit_to_input_range(batch["sar"])
        dem = model.unit_to_input_range(batch["dem"]) if model.spec.uses_dem else None
        optimizer.zero_grad(set_to_none=True)
        with amp.autocast():
            pred = model.output_to_unit(model(sar, dem))  # ranges' rescale; no clamp inside
        loss, _ = adapt_loss(pred, batch["optical"], batch["valid"], weights)
        amp.backward(loss)
        amp.step(optimizer)
        amp.update()
        step += 1
        running += float(loss.detach())
        n_running += 1
        feedback.progress(5.0 + 80.0 * min(1.0, spent()))
        if due():
            value = check(step, running / n_running)
            running, n_running, last_check = 0.0, 0, time.perf_counter()
            if value < best:
                best, since_gain = value, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                since_gain += 1
                if since_gain >= cfg.patience and spent() >= cfg.min_share:
                    stopped = f"no gain on the monitoring blocks in {since_gain} checks"
                    break
    if n_running:
        value = check(step, running / n_running)
        if value < best:
            best, best_state = value, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    model.eval()
    return LoopResult(best, base_loss, step, time.perf_counter() - began, stopped, history)
