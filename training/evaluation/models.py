"""The models under evaluation: weights files loaded with their labels, sizes and
normalisation, and the contrast enhancement applied to their translations."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...core.enhance import METHODS, enhance
from ...core.errors import InputError
from ...core.normalization import Normalization

ENHANCEMENTS: tuple[str, ...] = METHODS  # none, laplacian, wiener (the paper's 4.2.3)


@dataclass
class EvalModel:
    """One weights file ready to translate: ``model.predict`` plus what the report shows."""

    label: str
    path: Path | None
    model: object  # core.models TranslationModel
    normalization: Normalization

    @property
    def architecture(self) -> str:
        return self.model.spec.name

    @property
    def uses_dem(self) -> bool:
        return bool(self.model.spec.uses_dem)

    def describe(self) -> dict:
        count = getattr(self.model, "conditioning_weight_count", lambda: None)()
        return {"model": self.label, "architecture": self.architecture,
                "weights": str(self.path) if self.path else None,
                "parameters": int(sum(p.numel() for p in self.model.parameters())),
                "conditioning_weights": count}


def _labels(paths: Sequence[Path], names: Sequence[str]) -> list[str]:
    """Architecture names, made unique with the file stem where two files share one."""
    counts = Counter(names)
    return [n if counts[n] == 1 else f"{n} ({p.stem})" for p, n in zip(paths, names, strict=True)]


def load_eval_models(weights: Sequence[str | Path],
                     labels: Sequence[str] | None = None) -> list[EvalModel]:
    """Load every weights file (safetensors only, via ``core.weights``), in eval mode."""
    from ...core.weights import load_weights

    if not weights:
        raise InputError("No weights were given; pass one or more --weights FILE.safetensors.")
    paths = [Path(w).expanduser() for w in weights]
    if labels is not None and len(labels) != len(paths):
        raise InputError(f"{len(labels)} --labels for {len(paths)} --weights; give one label "
                         "per weights file (comma-separated) or none.")
    loaded = []
    for path in paths:
        if not path.is_file():
            raise InputError(f"Weights file {path} does not exist; check the path (a training "
                             "run writes RUN/model.safetensors).")
        model, meta = load_weights(path)
        loaded.append((path, model.eval(), meta.normalization))
    names = list(labels) if labels else _labels(paths, [m.spec.name for _, m, _ in loaded])
    if len(set(names)) != len(names):
        raise InputError(f"Model labels must be unique, got {names}; pass --labels.")
    return [EvalModel(n, p, m, norm) for n, (p, m, norm) in zip(names, loaded, strict=True)]


def check_enhancements(methods: Sequence[str]) -> None:
    unknown = [m for m in methods if m not in ENHANCEMENTS]
    if unknown or not methods:
        raise InputError(f"Unknown enhancement {unknown or methods!r}; choose from "
                         f"{', '.join(ENHANCEMENTS)} (comma-separated).")


def apply_enhancement(rgb: np.ndarray, method: str) -> np.ndarray:
    """Translations (..., 3, H, W) after the paper's contrast enhancement (Laplacian
    sharpening or Wiener deconvolution); ``none`` returns them unchanged."""
    if method == "none":
        return rgb
    return enhance(rgb, method)
