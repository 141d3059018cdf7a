"""One training step per model family, chosen through a registry (``spec.family``).

A step owns the optimisers (and, for GANs, the extra networks) of its family, turns a batch
into losses and updates, and can save / restore its whole state for ``--resume``. Adding a
family means registering one class; the trainer never branches on a family.
"""
from __future__ import annotations

from collections.abc import Callable

import torch

from ...core.errors import InputError
from ...core.models.base import TranslationModel
from .amp import Amp
from .batchnorm import recalibrate_batchnorm
from .checkpoint import load_module, load_optimizer, module_tensors, optimizer_tensors
from .config import FAMILY_LR, TrainConfig
from .ddp import DistContext, unwrap, wrap
from .losses import SUPERVISED_LOSSES

STEPS: dict[str, type[Step]] = {}


def register(*families: str) -> Callable[[type[Step]], type[Step]]:
    def deco(cls: type[Step]) -> type[Step]:
        for family in families:
            STEPS[family] = cls
        return cls
    return deco


def step_for(model: TranslationModel, cfg: TrainConfig, ctx: DistContext, amp: Amp,
             epochs: int) -> Step:
    family = model.spec.family
    if family not in STEPS:
        raise InputError(f"Model '{model.spec.name}' is of family '{family}', which the "
                         f"trainer cannot train; trainable families: {sorted(STEPS)}.")
    return STEPS[family](model, cfg, ctx, amp, epochs)


class Step:
    """Base: holds the translation model (DDP-wrapped when distributed)."""

    lr_key = "supervised"

    def __init__(self, model: TranslationModel, cfg: TrainConfig, ctx: DistContext, amp: Amp,
                 epochs: int) -> None:
        self.cfg = cfg
        self.ctx = ctx
        self.amp = amp
        self.epochs = epochs
        self.lr = float(cfg.lr if cfg.lr is not None else FAMILY_LR[self.lr_key])
        self.model = amp.prepare_model(model)
        self.net = wrap(self.model, ctx)
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.modules: dict[str, torch.nn.Module] = {}  # extra networks to checkpoint

    @property
    def translation_model(self) -> TranslationModel:
        return unwrap(self.model)

    def inputs(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor,
                                           torch.Tensor]:
        """(sar, dem or None) in the model's input range, target in its output range, valid."""
        model = self.translation_model
        sar = model.unit_to_input_range(self.amp.to_device(batch["sar"]))
        dem = None
        if model.spec.uses_dem:
            dem = model.unit_to_input_range(self.amp.to_device(batch["dem"]))
        target = model.unit_to_output_range(self.amp.to_device(batch["optical"]))
        valid = batch["valid"].to(self.ctx.device, non_blocking=True)
        return sar, dem, target, valid

    def recalibrate_batchnorm(self, batches) -> int:
        """Re-estimate the translation model's BatchNorm statistics (``batchnorm.py``)."""
        model = self.translation_model

        def forward(batch: dict) -> torch.Tensor:
            sar, dem, _, _ = self.inputs(batch)
            with self.amp.autocast():
                return model(sar, dem)

        return recalibrate_batchnorm(model, batches, forward)

    def train(self) -> None:
        self.net.train()
        for module in self.modules.values():
            module.train()

    def train_batch(self, batch: dict) -> dict[str, float]:
        raise NotImplementedError

    def end_epoch(self, epoch: int) -> None:
        """Called after each epoch (learning-rate schedules)."""

    def current_lr(self) -> float:
        first = next(iter(self.optimizers.values()))
        return float(first.param_groups[0]["lr"])

    def state(self) -> tuple[dict[str, torch.Tensor], dict]:
        tensors: dict[str, torch.Tensor] = {}
        meta: dict = {"optimizers": {}, "amp": self.amp.state()}
        for name, module in self.modules.items():
            tensors.update(module_tensors(f"net.{name}", unwrap(module)))
        for name, opt in self.optimizers.items():
            opt_tensors, opt_meta = optimizer_tensors(f"opt.{name}", opt)
            tensors.update(opt_tensors)
            meta["optimizers"][name] = opt_meta
        return tensors, meta

    def load(self, tensors: dict[str, torch.Tensor], meta: dict) -> None:
        for name, module in self.modules.items():
            load_module(f"net.{name}", unwrap(module), tensors)
        for name, opt in self.optimizers.items():
            load_optimizer(f"opt.{name}", opt, tensors, meta["optimizers"][name])
        self.amp.load(meta.get("amp", {}))


@register("sardinet")
class SupervisedStep(Step):
    """SARDINet family: masked L1 (MAE) with Adam, as in the DEM-fusion paper (or masked
    MSE, ``--loss mse``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.optimizers["model"] = torch.optim.Adam(self.model.parameters(), lr=self.lr)

    def train_batch(self, batch: dict) -> dict[str, float]:
        sar, dem, target, valid = self.inputs(batch)
        opt = self.optimizers["model"]
        opt.zero_grad(set_to_none=True)
        with self.amp.autocast():
            pred = self.net(sar, dem)
        loss = SUPERVISED_LOSSES[self.cfg.loss](pred, target, valid)
        self.amp.backward(loss)
        self.amp.step(opt)
        self.amp.update()
        return {self.cfg.loss: float(loss.detach())}
