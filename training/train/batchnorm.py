"""Re-estimate BatchNorm running statistics with the current weights (``--recalibrate-bn``).

Why: the running mean and variance are an exponential average (momentum 0.1) over the last
few batches, taken while the weights were still moving. With few, small batches per epoch
(a handful of real pairs) and a high learning rate they lag the weights so far that the
model in eval mode, the one validated and shipped, is much worse than the same weights on
batch statistics (on the BigEarthNet v2 test pairs: MSE 0.0215 against 0.0107). One
no-gradient pass over the training batches, averaging the statistics with equal weights,
makes the saved model the one the weights describe.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

BatchNormLayers = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, batches: Iterable[dict],
                          forward: Callable[[dict], torch.Tensor]) -> int:
    """Reset every BatchNorm's running statistics and re-estimate them as the plain mean
    over ``batches`` (``forward`` runs the model on one batch). Returns the number of
    batches seen (0 leaves the statistics untouched: the model has no BatchNorm or there
    was no batch). The model is left in eval mode."""
    layers = [m for m in model.modules() if isinstance(m, BatchNormLayers)]
    if not layers:
        return 0
    saved = [(m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone(),
              m.momentum) for m in layers]
    for m in layers:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    seen = 0
    try:
        for batch in batches:
            forward(batch)
            seen += 1
    finally:
        for m, (mean, var, count, momentum) in zip(layers, saved, strict=True):
            m.momentum = momentum
            if not seen:
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.num_batches_tracked.copy_(count)
        model.eval()
    return seen
