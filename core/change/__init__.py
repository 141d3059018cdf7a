"""Pre/post-event change view: both SAR acquisitions translated with one model on the
pre-event grid, their optical and backscatter change, and the per-pixel trust layer
(docs/CHANGE.md). ``run_change(params, feedback)`` runs it.

Names are imported on first use, so front ends can import the parameters without torch.
Imports only core.
"""
from __future__ import annotations

from ..lazy import lazy_getattr
from .params import OUTPUTS, ChangeParams, ChangeResult

_LAZY = {"run_change": ".run", "write_trust": ".layers", "check_pair": ".pair",
         "translate_with_trust": ".translation"}

__all__ = ["OUTPUTS", "ChangeParams", "ChangeResult", *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY)
