"""The trust layer's calibration: the CIELAB error expected of a translated pixel, per
weights file (docs/CHANGE.md).

Why per weights: how a model's error follows the colour it paints and the backscatter it
reads is the model's own; coefficients fitted for one set of weights are wrong for adapted
or retrained ones. ``sardine evaluate-trust --fit-out`` fits them on simulated training
scenes and stores them in the weights' metadata (``WeightsMetadata.trust_calibration``,
carried into the ONNX twin by ``sardine export``); weights without one use ``FALLBACK``,
fitted for the earlier, simulated-only bundled ``sardinet-late`` (``COLOUR_ONLY_FALLBACK``,
the earlier colour-only fit, for weights with a single SAR band), and the trust layer's band
description says which was used.

The expected error is a polynomial in a few per-pixel features: ``E = sum(coef_i x term_i)``
where each term is ``1`` or a product of feature names joined by ``*`` (``chroma*sar1``).
Features: ``chroma`` (C*ab) and ``lightness`` (L*) of the translated pixel; ``sar1``,
``sar2``, ...: the 7x7-mean backscatter in dB of the weights' SAR bands, in their order,
clipped to the weights' normalisation ranges (what the model saw). The colour component is
then ``clip((bad - E) / (bad - good), 0, 1)``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

COLOUR_FEATURES = ("chroma", "lightness")
MAX_SAR_FEATURES = 4  # sar1..sar4: no Sardine model reads more SAR bands
FEATURES = (*COLOUR_FEATURES, *(f"sar{i}" for i in range(1, MAX_SAR_FEATURES + 1)))
MAX_TERMS = 64  # with MAX_FACTORS, bounds what a crafted file can make every window compute
MAX_FACTORS = 3


def quadratic_terms(features: Sequence[str]) -> tuple[str, ...]:
    """``1``, each feature, and every product of two (the form ``evaluate-trust`` fits)."""
    terms = ["1", *features]
    terms += [f"{a}*{b}" for i, a in enumerate(features) for b in features[i:]]
    return tuple(terms)


@dataclass(frozen=True)
class TrustCalibration:
    """``E = sum(coef x term)``; colour trust 1 at E <= ``good``, 0 at E >= ``bad``.
    ``fitted_on`` says where the coefficients come from (shown in the band description)."""

    terms: tuple[str, ...]
    coef: tuple[float, ...]
    good: float
    bad: float
    fitted_on: str = ""

    def __post_init__(self) -> None:
        if len(self.terms) != len(self.coef) or not 0 < len(self.terms) <= MAX_TERMS:
            raise ValueError(f"{len(self.terms)} terms for {len(self.coef)} coefficients")
        for term in self.terms:
            if len(_factors(term)) > MAX_FACTORS:
                raise ValueError(f"trust term {term[:40]!r} has more than {MAX_FACTORS} "
                                 "factors")
            unknown = [f for f in _factors(term) if f not in FEATURES]
            if unknown:
                raise ValueError(f"unknown trust feature {unknown[0]!r} (known: "
                                 f"{', '.join(FEATURES)})")
        numbers = (*self.coef, self.good, self.bad)
        if not all(math.isfinite(v) for v in numbers) or not self.good < self.bad:
            raise ValueError(f"impossible trust calibration numbers (good {self.good}, "
                             f"bad {self.bad}, coefficients {list(self.coef)})")

    @property
    def sar_bands_used(self) -> int:
        """How many SAR bands the terms read (sar2 needs two)."""
        used = [int(f[3:]) for t in self.terms for f in _factors(t) if f.startswith("sar")]
        return max(used, default=0)

    def to_dict(self) -> dict[str, Any]:
        return {"terms": list(self.terms), "coef": [float(c) for c in self.coef],
                "good": float(self.good), "bad": float(self.bad), "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrustCalibration:
        return cls(terms=tuple(str(t) for t in data["terms"]),
                   coef=tuple(float(c) for c in data["coef"]), good=float(data["good"]),
                   bad=float(data["bad"]), fitted_on=str(data.get("fitted_on", "")))

    def noted(self, note: str) -> TrustCalibration:
        """The same coefficients with ``note`` added to ``fitted_on`` (inherited by adapt
        or train)."""
        return TrustCalibration(self.terms, self.coef, self.good, self.bad,
                                f"{self.fitted_on}; {note}" if self.fitted_on else note)

    def expected_error(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per-pixel expected CIELAB error from the feature images (float32)."""
        shape = next(iter(features.values())).shape
        out = np.zeros(shape, np.float32)
        for term, c in zip(self.terms, self.coef, strict=True):
            factors = _factors(term)
            if not factors:
                out += np.float32(c)
                continue
            value = features[factors[0]] * np.float32(c)
            for name in factors[1:]:
                value *= features[name]
            out += value
        return out

    def colour_trust(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        span = np.float32(self.bad - self.good)
        return np.clip((np.float32(self.bad) - self.expected_error(features)) / span,
                       0.0, 1.0).astype(np.float32)

    def describe(self) -> str:
        """The formula in a few words, for band descriptions and reports."""
        body = " + ".join(f"{c:.4g} {t}" if t != "1" else f"{c:.4g}"
                          for t, c in zip(self.terms, self.coef, strict=True))
        return f"E = {body}".replace("+ -", "- ")


def _factors(term: str) -> list[str]:
    return [] if term == "1" else term.split("*")


# Fitted by ``sardine evaluate-trust --fit-out`` for the earlier bundled sardinet-late (trained
# on simulated scenes only; simulated training seeds 10-13, 512^2, 1 Dec 2026); used for
# weights that carry no calibration. Both bundled files now carry their own or use this.
FALLBACK = TrustCalibration(
    terms=quadratic_terms(("chroma", "lightness", "sar1", "sar2")),
    coef=(14.944, -0.958511, 1.17226, -1.02463, 3.68284,  # 1, chroma, lightness, sar1, sar2
          0.00197363, 0.00196163, 0.087272, -0.13204,  # chroma x chroma, L, sar1, sar2
          0.0035728, -0.0897832, 0.136112,  # lightness x lightness, sar1, sar2
          0.0840338, -0.359558, 0.368507),  # sar1 x sar1, sar2; sar2 x sar2
    good=12.45, bad=40.88,
    fitted_on="fitted for the earlier, simulated-only bundled sardinet-late on simulated "
              "training scenes (seeds 10-13, 512^2)")
# The colour-only fit used before calibrations were per weights (sardinet-late, seeds 10-13):
# the fallback for weights with fewer SAR bands than FALLBACK reads.
COLOUR_ONLY_FALLBACK = TrustCalibration(
    terms=("1", "chroma", "lightness"), coef=(5.0, 0.474, 0.208), good=10.0, bad=60.0,
    fitted_on="colour-only fallback, fitted for the bundled sardinet-late on simulated "
              "training scenes (seeds 10-13, 512^2)")


def calibration_in_use(own: TrustCalibration | None, sar_bands: int
                       ) -> tuple[TrustCalibration, bool]:
    """The weights' own calibration, or the fallback that suits their SAR bands; and
    whether it is the weights' own."""
    if own is not None:
        return own, True
    return (FALLBACK if sar_bands >= FALLBACK.sar_bands_used else COLOUR_ONLY_FALLBACK), False
