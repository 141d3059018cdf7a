"""Windowed translation of any size of SAR (+ DEM) raster into an optical GeoTIFF.

``translate(params, feedback=None, model=None) -> TranslateResult`` runs it;
``validate(params, model=None) -> RunPlan`` does the cheap pre-flight checks
(raising InputError before any heavy work) and lists warnings in ``.warnings``; pass the plan
to ``translate(..., plan=plan)`` so a run is validated once.

Names are imported on first use, so ``from sardine.core.translate.params import ...``
(the CLI's argument parsing, QGIS's dialogs) does not pull in torch and GDAL.

Imports only core.
"""
from __future__ import annotations

from ..lazy import lazy_getattr
from .params import DEVICES, ENHANCEMENTS, TranslateParams, TranslateResult

_LAZY = {
    "translate": ".engine",
    "edge_pad": ".engine",
    "validate": ".preflight",
    "RunPlan": ".preflight",
    "retarget": ".preflight",
    "LoadedModel": ".model_info",
    "ModelInfo": ".model_info",
    "load_model": ".model_info",
    "read_model_info": ".model_info",
}

__all__ = ["DEVICES", "ENHANCEMENTS", "TranslateParams", "TranslateResult", *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY)
