"""Pre/post-event change view: both SAR acquisitions translated with one model on the
pre-event grid, their optical and backscatter change, and the per-pixel trust layer
(docs/CHANGE.md). ``run_change(params, feedback)`` runs it.

Names are imported on first use, so front ends can import the parameters without torch.
Imports only core.
"""
from __future__ import annotations

import importlib
from typing import Any

from .params import OUTPUTS, ChangeParams, ChangeResult

_LAZY = {"run_change": ".run", "write_trust": ".layers", "check_pair": ".pair",
         "translate_with_trust": ".translation"}

__all__ = ["OUTPUTS", "ChangeParams", "ChangeResult", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
