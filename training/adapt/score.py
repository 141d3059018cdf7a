"""Predicting blocks of the site, and scoring them: the honest check of an adaptation.

Each held-out block is predicted with a margin of surrounding SAR (so its edges see the
context they would in a full translation), then scored on its clear pixels. Blocks are
images of one area: squared errors and SSIM-map values are pooled over their pixels
(``RegionAccumulator``), per distortion region when a DEM is given. The flat-colour
reference paints every pixel the mean colour of the training part's clear pixels.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ...core.models.base import TranslationModel
from ..evaluation.metrics import RegionAccumulator
from .losses import adapt_loss
from .site import Site
from .split import BlockSplit

MARGIN = 32


def predict_block(model: TranslationModel, site: Site, rows: slice, cols: slice,
                  device: torch.device, margin: int = MARGIN) -> np.ndarray:
    """(3, h, w) prediction of one block, computed with ``margin`` px of context."""
    height, width = site.shape
    r0, r1 = max(0, rows.start - margin), min(height, rows.stop + margin)
    c0, c1 = max(0, cols.start - margin), min(width, cols.stop + margin)
    sar = torch.from_numpy(site.sar[None, :, r0:r1, c0:c1].copy()).to(device)
    dem = None
    if model.spec.uses_dem and site.dem is not None:
        dem = torch.from_numpy(site.dem[None, :, r0:r1, c0:c1].copy()).to(device)
    pred = model.predict(sar, dem)[0].float().cpu().numpy()
    return pred[:, rows.start - r0:rows.stop - r0, cols.start - c0:cols.stop - c0]


def mean_gradient(image: np.ndarray, mask: np.ndarray) -> tuple[float, int]:
    """Sum of the per-pixel gradient magnitude (mean over channels) over ``mask``, and the
    pixel count, so blocks can be pooled."""
    gy, gx = np.gradient(image.astype(np.float64), axis=(1, 2))
    magnitude = np.sqrt(gx ** 2 + gy ** 2).mean(axis=0)
    return float(magnitude[mask].sum()), int(mask.sum())


class Scorer:
    """Pools metrics of several predictors ("base", "adapted", "flat colour") over blocks."""

    def __init__(self, site: Site, split: BlockSplit, codes: np.ndarray | None) -> None:
        self.site = site
        self.split = split
        self.codes = codes
        train = split.mask("train") & site.valid
        self.flat_colour = site.optical[:, train].mean(axis=1)

    def score(self, predictors: dict[str, object], device: torch.device, part: str = "check"
              ) -> dict[str, dict]:
        """``{name: {"regions": {...}, "gradient_ratio": r}}`` over the blocks of ``part``.

        A predictor is a TranslationModel or the string "flat" (the flat-colour reference).
        """
        accs = {name: RegionAccumulator() for name in predictors}
        grads = {name: [0.0, 0] for name in (*predictors, "truth")}
        for rows, cols in self.split.blocks(part):
            valid = self.site.valid[rows, cols]
            if not valid.any():
                continue
            truth = self.site.optical[:, rows, cols]
            codes = None if self.codes is None else self.codes[rows, cols]
            total, count = mean_gradient(truth, valid)
            grads["truth"][0] += total
            grads["truth"][1] += count
            for name, predictor in predictors.items():
                if isinstance(predictor, str):
                    pred = np.broadcast_to(self.flat_colour[:, None, None], truth.shape)
                else:
                    pred = predict_block(predictor, self.site, rows, cols, device)
                accs[name].add(pred, truth, codes, valid)
                total, count = mean_gradient(pred, valid)
                grads[name][0] += total
                grads[name][1] += count
        truth_grad = grads["truth"][0] / max(grads["truth"][1], 1)
        out = {}
        for name, acc in accs.items():
            regions = acc.result()
            mean_grad = grads[name][0] / max(grads[name][1], 1)
            out[name] = {"regions": {k: v for k, v in regions.items() if v["pixels"]},
                         "gradient_ratio": mean_grad / truth_grad if truth_grad else math.nan}
        return out


def monitor_loss(model: TranslationModel, site: Site, split: BlockSplit,
                 device: torch.device, weights: dict[str, float]) -> float:
    """The training loss over the clear pixels of the monitoring blocks (pixel-weighted)."""
    total, count = 0.0, 0
    for rows, cols in split.blocks("monitor"):
        valid = site.valid[rows, cols]
        if int(valid.sum()) == 0 or min(valid.shape) < 16:
            continue
        pred = torch.from_numpy(predict_block(model, site, rows, cols, device))[None]
        truth = torch.from_numpy(site.optical[None, :, rows, cols].copy())
        loss, _ = adapt_loss(pred, truth, torch.from_numpy(valid)[None, None], weights)
        total += float(loss) * int(valid.sum())
        count += int(valid.sum())
    return total / max(count, 1)
