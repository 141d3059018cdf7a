"""Fréchet Inception Distance: the distance between Gaussians fitted to Inception features
of translated and real images. It measures how *realistic* a set of images looks, which
MSE/SSIM cannot (the paper's GANs win on FID while losing on MSE).

No Inception weights ship with any wheel and nothing may be downloaded at run time, so FID
is computed only from a weights file the user supplies (safetensors; see
``inception.py`` for which state dicts fit). There is never a substitute network.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy import linalg

from ...core.errors import InputError, MissingDependencyError, WeightsError
from .inception import FEATURE_DIM, InceptionV3

log = logging.getLogger("sardine")

INCEPTION_HELP = (
    "FID needs Inception-v3 weights as a .safetensors state dict with torchvision's "
    "parameter names: convert pytorch-fid's pt_inception-2015-12-05-6726825d.pth (the FID "
    "standard) or torchvision's inception_v3 ImageNet weights on a machine where you trust "
    "that file, e.g. `safetensors.torch.save_file(torch.load(PTH), 'inception.safetensors')`, "
    "then pass --inception-weights inception.safetensors."
)
TF_CLASSES = 1008  # pytorch-fid's port of the TensorFlow FID graph
TORCHVISION_CLASSES = 1000


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray, eps: float = 1e-6) -> float:
    """``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 sqrt(S1 S2))`` between two Gaussians.

    As in the reference FID code: when the product of covariances is singular (few images,
    many features) ``eps`` is added to both diagonals; a numerically complex square root
    with a negligible imaginary diagonal is reduced to its real part.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2,
                                                                                   np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise InputError("The two feature statistics differ in dimension; compute both with "
                         "the same Inception weights.")
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # Fewer images than features make the covariances singular: expected, handled below,
        # and stated in the report, so scipy's warning would only alarm the user.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
        if not np.isfinite(covmean).all():
            log.debug("FID: singular covariance product; adding %g to the diagonals", eps)
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        imag = np.max(np.abs(np.diagonal(covmean).imag))
        if imag > 1e-3:
            raise InputError(f"The covariance square root has an imaginary part of {imag:.3g}; "
                             "the feature statistics are degenerate. Evaluate more images.")
        covmean = covmean.real
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (rows = images) of a ``(N, D)`` feature array, N >= 2."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise InputError(f"FID needs features of at least 2 images, got {features.shape[0]}; "
                         "evaluate a split with more patches.")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def load_inception(path: str | os.PathLike) -> InceptionV3:
    """Inception-v3 in eval mode from a user's safetensors state dict (never a pickle)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"Inception weights file {path} does not exist. {INCEPTION_HELP}")
    if path.suffix.lower() != ".safetensors":
        raise WeightsError(f"{path.name} is not a .safetensors file; Sardine never opens "
                           f"pickled weights. {INCEPTION_HELP}")
    try:
        from safetensors.torch import load_file
    except ImportError as exc:  # pragma: no cover - safetensors is a requirement
        raise MissingDependencyError("safetensors is missing; run `make setup`.") from exc
    try:
        state = load_file(str(path))
    except Exception as exc:  # safetensors raises several types for a corrupt header
        raise WeightsError(f"{path} is not a readable safetensors file ({exc}). "
                           f"{INCEPTION_HELP}") from exc
    state = {k.removeprefix("module."): v for k, v in state.items()
             if not k.startswith(("AuxLogits.", "module.AuxLogits."))}
    fc = state.get("fc.weight")
    if fc is None or tuple(fc.shape[1:]) != (FEATURE_DIM,) or \
            fc.shape[0] not in (TF_CLASSES, TORCHVISION_CLASSES):
        raise WeightsError(f"{path} is not an Inception-v3 state dict (no fc.weight of shape "
                           f"(1008 or 1000, 2048)). {INCEPTION_HELP}")
    tf_variant = fc.shape[0] == TF_CLASSES
    model = InceptionV3(num_classes=int(fc.shape[0]), tf_variant=tf_variant)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise WeightsError(f"{path} does not match Inception-v3: missing {missing[:3]}, "
                           f"unexpected {result.unexpected_keys[:3]}. {INCEPTION_HELP}")
    if not tf_variant:
        log.warning("Inception weights %s are torchvision's ImageNet weights (1000 classes): "
                    "FID values are consistent between your models but not comparable with "
                    "published FID, which uses pytorch-fid's 1008-class weights.", path.name)
    return model.eval()


class FeatureCollector:
    """Runs Inception on batches of ``(B, 3, H, W)`` [0, 1] images and keeps the features."""

    def __init__(self, model: InceptionV3, device: torch.device | str = "cpu") -> None:
        self.model = model.to(device)
        self.device = torch.device(device)
        self._parts: list[np.ndarray] = []

    @torch.no_grad()
    def add(self, images: np.ndarray | torch.Tensor) -> None:
        batch = torch.as_tensor(np.asarray(images, dtype=np.float32)).to(self.device)
        if batch.ndim == 3:
            batch = batch[None]
        batch = torch.nan_to_num(batch.clamp(0.0, 1.0), nan=0.0)
        self._parts.append(self.model.features(batch).cpu().numpy().astype(np.float64))

    @property
    def count(self) -> int:
        return sum(p.shape[0] for p in self._parts)

    def features(self) -> np.ndarray:
        if not self._parts:
            return np.zeros((0, FEATURE_DIM))
        return np.concatenate(self._parts, axis=0)


def fid_from_features(pred: np.ndarray, real: np.ndarray) -> float:
    """FID between two ``(N, 2048)`` feature arrays."""
    return frechet_distance(*feature_statistics(pred), *feature_statistics(real))
