"""Fitting the trust layer's calibration (``core/trust_calibration.py``) for one set of
weights, and writing the weights with it (``sardine evaluate-trust --fit-out``).

Least squares of the per-pixel CIELAB error on the quadratic terms of the features the
trust layer computes anyway (chroma and lightness of the translation, 7x7-mean SAR dB
clipped to the weights' ranges), over the pixels whose distortion and domain components
are not 0 (elsewhere the trust is 0 whatever the colour says). ``good`` and ``bad`` are the
2nd and 98th percentiles of the fitted error on those pixels, so the colour component
spreads over 0..1 instead of bunching (foreshortening's 0.9 then moves a pixel little).
Why least squares on a polynomial: a handful of coefficients that fit in the metadata, are
evaluated per window in a few array operations (the trust layer's cost target), and are
fitted in a second; the quadratic terms let dark backscatter (water) raise the expected
error while dark colours lower it, which the linear colour fit could not.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...core.atomic import check_output_path
from ...core.errors import InputError
from ...core.trust_calibration import COLOUR_FEATURES, TrustCalibration, quadratic_terms
from ...core.weights import WEIGHTS_SUFFIX, load_weights, save_weights

RANGE_PERCENTILES = (2.0, 98.0)  # of the fitted error: colour trust 1 .. 0


def fit_calibration(samples: Sequence[dict[str, np.ndarray]], fitted_on: str
                    ) -> TrustCalibration:
    """Least squares over the samples of the training scenes (``measure_scene``'s
    ``samples``: ``error``, ``keep`` and one array per feature)."""
    features = [f for f in (*COLOUR_FEATURES, "sar1", "sar2", "sar3", "sar4")
                if all(f in s for s in samples)]
    terms = quadratic_terms(features)
    keep = np.concatenate([s["keep"] for s in samples])
    error = np.concatenate([s["error"] for s in samples])[keep].astype(np.float64)
    values = {f: np.concatenate([s[f] for s in samples])[keep].astype(np.float64)
              for f in features}
    if error.size < 10 * len(terms):
        raise InputError(f"Only {error.size} trusted pixels to fit the trust calibration "
                         "on; give more or larger training scenes.")
    design = np.column_stack([_term(t, values, error.size) for t in terms])
    coef, *_ = np.linalg.lstsq(design, error, rcond=None)
    good, bad = np.percentile(design @ coef, RANGE_PERCENTILES)
    return TrustCalibration(terms=terms, coef=tuple(float(c) for c in coef), good=float(good),
                            bad=float(bad), fitted_on=fitted_on)


def _term(term: str, values: dict[str, np.ndarray], size: int) -> np.ndarray:
    out = np.ones(size)
    for name in ([] if term == "1" else term.split("*")):
        out = out * values[name]
    return out


def check_fit_out(weights: Path, out: str | Path) -> Path:
    """Refuse, before any work, an output that is not a new .safetensors file."""
    out = Path(out)
    if out.suffix.lower() != WEIGHTS_SUFFIX:
        raise InputError(f"The calibrated weights are a {WEIGHTS_SUFFIX} file; got {out.name}. "
                         f"Use {out.with_suffix(WEIGHTS_SUFFIX).name}.")
    if weights.suffix.lower() != WEIGHTS_SUFFIX:
        raise InputError(f"Fitting the trust calibration needs the {WEIGHTS_SUFFIX} weights "
                         f"(got {weights.name}); export the result again with sardine export.")
    return check_output_path(out, [weights])


def write_calibrated(weights: Path, out: Path, calibration: TrustCalibration) -> Path:
    """``weights`` with ``calibration`` in its metadata, written to ``out`` atomically in
    the tensors' own precision (the input is only read)."""
    import torch
    from safetensors import safe_open

    model, meta = load_weights(weights)
    meta.trust_calibration = calibration
    with safe_open(str(weights), framework="pt") as handle:
        dtypes = {handle.get_slice(k).get_dtype() for k in handle.keys()}
    dtype = {"F16": torch.float16, "BF16": torch.bfloat16}.get(
        next((d for d in dtypes if d in ("F16", "BF16")), ""), torch.float32)
    return save_weights(out, model, meta, dtype=dtype)
