"""Weights files of a run, through core.weights so the plugin loads them like any other.

The metadata records what translation needs to repeat training's preprocessing (the
``Normalization``), and what a user needs to judge the weights: the data they came from,
the validation metrics of the saved epoch, and the training settings.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import torch

from ...core.models.base import TranslationModel
from ...core.normalization import Normalization
from ...core.trust_calibration import TrustCalibration
from ...core.version import __version__
from ...core.weights import WeightsMetadata, load_weights, read_metadata, save_weights
from .config import TrainConfig

METRIC_KEYS = ("epoch", "val_l1", "val_mse", "val_ssim", "val_psnr")


def save_run_weights(path: Path, model: TranslationModel, norm: Normalization,
                     dataset_info: dict, metrics: dict, cfg: TrainConfig,
                     dtype: torch.dtype = torch.float32) -> None:
    """Write ``model`` with full metadata (atomically: save_weights renames at the end)."""
    training = {**dataset_info, "model_config_overrides": cfg.model_config,
                "epochs": cfg.epochs, "batch": cfg.batch, "lr": cfg.lr, "seed": cfg.seed,
                "augment": cfg.augment}
    described = f"{dataset_info.get('kind')} dataset {dataset_info.get('root')}"
    if cfg.notes:
        described += f"; {cfg.notes}"
    meta = WeightsMetadata(
        normalization=norm,
        pixel_size_m=float(dataset_info.get("pixel_size_m") or 10.0),
        training_data=described,
        metrics={k: float(metrics[k]) for k in METRIC_KEYS if k in metrics},
        sardine_version=__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        extra={"training": training, **cfg.extra_metadata},
        trust_calibration=inherited_calibration(cfg.init, "sardine train --init"),
    )
    save_weights(path, model, meta, dtype=dtype)


def inherited_calibration(base: str | None, how: str) -> TrustCalibration | None:
    """The trust calibration of the ``base`` weights, noted as inherited (not refit: the
    fit needs simulated scenes unrelated to the data and minutes of translation; see
    docs/CHANGE.md); None without a base or when the base has none (the trust layer then
    uses the fallback and says so)."""
    if not base:
        return None
    from ...core.bundled import resolve_model

    own = read_metadata(resolve_model(base)).trust_calibration
    if own is None:
        return None
    return own.noted(f"inherited from {Path(base).name} by {how}, not refit (refit: "
                     "sardine evaluate-trust --model W --fit-out W2.safetensors)")


def load_into(path: Path, model: TranslationModel) -> None:
    """Copy the tensors of a weights file into ``model`` (exactly: same dtype, strict)."""
    loaded, _ = load_weights(path)
    model.load_state_dict(loaded.state_dict(), strict=True)
