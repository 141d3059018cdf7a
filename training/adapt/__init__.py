"""Adapt a model to the analyst's own site: fine-tune on a SAR + cloud-free optical pair,
checked honestly on held-out blocks (``adapt(AdaptConfig) -> AdaptResult``).

``adapt`` and ``AdaptResult`` are imported on first use, so ``AdaptConfig`` and its
defaults (QGIS's parameter declarations) do not pull in torch."""
from ...core.lazy import lazy_getattr
from .config import AdaptConfig

_LAZY = {"adapt": ".run", "AdaptResult": ".run"}

__all__ = ["AdaptConfig", *_LAZY]

__getattr__ = lazy_getattr(__name__, _LAZY)
