"""Warm start (``--init``): begin a run from stored weights.

Without ``--config`` the run keeps the stored architecture and every tensor. With
``--config`` the architecture is the stored one with those settings changed (for example a
``bilinear`` decoder instead of ``transpose-subpixel``), and only what still fits is
copied: a module's tensors are taken when it has the same name and type in both networks
and every one of its tensors has the same shape (whole modules, never a bias without its
kernel). Why: the old bundled DEM model's conditioning
and encoder know terrain, but its transposed-convolution decoder draws a grid on real SAR;
a partial warm start keeps the first and replaces the second.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from ...core.errors import InputError
from ...core.models.base import TranslationModel
from ...core.normalization import Normalization
from .config import TrainConfig


@dataclass
class WarmStart:
    """Which tensors of the run's model came from the ``--init`` weights."""

    copied: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.fresh)

    def to_dict(self) -> dict:
        return {"copied": len(self.copied), "fresh": len(self.fresh),
                "fresh_tensors": self.fresh}


def copy_matching(source: nn.Module, target: nn.Module) -> WarmStart:
    """Copy into ``target`` the parameters and buffers of every module of ``source`` with
    the same name, type and tensor shapes; report what was copied and what stayed fresh."""
    modules = dict(source.named_modules())
    copied: set[str] = set()
    with torch.no_grad():
        for name, module in target.named_modules():
            src = modules.get(name)
            if src is None or type(src) is not type(module):
                continue
            theirs = {**dict(src.named_parameters(recurse=False)),
                      **dict(src.named_buffers(recurse=False))}
            mine = {**dict(module.named_parameters(recurse=False)),
                    **dict(module.named_buffers(recurse=False))}
            if not mine or any(key not in theirs or theirs[key].shape != tensor.shape
                               for key, tensor in mine.items()):
                continue  # a module is taken whole or not at all
            for key, tensor in mine.items():
                tensor.copy_(theirs[key].to(tensor.dtype))
                copied.add(f"{name}.{key}" if name else key)
    names = list(target.state_dict())
    return WarmStart(copied=[n for n in names if n in copied],
                     fresh=[n for n in names if n not in copied])


def start_fresh_output_at_colour(model: TranslationModel, warm: WarmStart | None,
                                 colour: Sequence[float]) -> bool:
    """Start the output near ``colour`` (see ``start_at_colour``) when the network is fresh,
    or when every tensor that start would change is fresh after a partial warm start;
    never overwrite copied output layers. True when the start was applied."""
    if warm is not None and not warm.partial:
        return False
    if warm is not None:
        trial = copy.deepcopy(model)
        if not trial.start_at_colour(colour):
            return False
        before, after = model.state_dict(), trial.state_dict()
        touched = {n for n, t in after.items() if not torch.equal(t, before[n])}
        if touched & set(warm.copied):
            return False
    return model.start_at_colour(colour)


def load_init(cfg: TrainConfig) -> tuple[TranslationModel, Normalization, WarmStart]:
    """The ``--init`` model and its normalisation: all of it, or (with ``--config``) the
    stored architecture with those settings changed and every tensor that still fits."""
    from ...core.bundled import resolve_model
    from ...core.models import build_model
    from ...core.weights import load_weights

    stored, meta = load_weights(resolve_model(cfg.init))
    if stored.spec.name != cfg.model:
        raise InputError(f"--init {cfg.init} holds '{stored.spec.name}' weights but --model "
                         f"is '{cfg.model}'; leave --model out (or pass --model "
                         f"{stored.spec.name}).")
    if not cfg.model_config:
        names = list(stored.state_dict())
        return stored.train(), meta.normalization, WarmStart(copied=names)
    model = build_model(cfg.model, {**meta.config, **cfg.model_config})
    warm = copy_matching(stored, model)
    if not warm.copied:
        raise InputError(f"--config {cfg.model_config} leaves no tensor of --init "
                         f"{cfg.init} that fits; train without --init instead.")
    return model.train(), meta.normalization, warm
