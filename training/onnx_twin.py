"""The ``.onnx`` twin written beside freshly made weights (``sardine adapt``, the end of
``sardine train``), so that ``--runtime auto`` runs them on OpenVINO or ONNX Runtime at
once, 1.5 to 2.5 times as fast on CPU as PyTorch (docs/PERFORMANCE.md), instead of only
after a manual ``sardine export``.

The twin is a convenience, not the product: when it cannot be written (ONNX packages
missing, the check against PyTorch failing) the weights still stand and the reason is said.
A file at the twin's path that Sardine did not export from weights of this name is the
user's: it is never replaced.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from ..core.errors import SardineError
from ..core.feedback import Feedback
from ..core.onnx_model import read_onnx_metadata
from ..core.onnx_scan import ONNX_SUFFIX

NEEDED = ("onnx", "onnxruntime")  # export writes with onnx and checks with ONNX Runtime


def missing_packages() -> list[str]:
    """The packages an export needs that are not installed (found, not imported)."""
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def _replaceable(target: Path, weights: Path) -> bool:
    """An earlier twin of weights of this name (stale now: they are being replaced)."""
    try:
        meta = read_onnx_metadata(target)
    except SardineError:
        return False
    return (meta.export or {}).get("source") == weights.name


def write_twin(weights: Path, feedback: Feedback) -> Path | None:
    """Export ``weights`` to ``<stem>.onnx`` beside them; None (with the reason said) when
    it is not written."""
    weights = Path(weights)
    target = weights.with_suffix(ONNX_SUFFIX)
    later = f"`sardine export --weights {weights}`"
    missing = missing_packages()
    if missing:
        feedback.info(f"no ONNX twin written: {' and '.join(missing)} not installed; "
                      "translation runs these weights with PyTorch (install them and run "
                      f"{later} for the faster ONNX path)")
        return None
    if target.exists() and not _replaceable(target, weights):
        feedback.warning(f"{target} already exists and is not an ONNX export of "
                         f"{weights.name}; it is left as it is and no ONNX twin was written. "
                         f"Move it away and run {later} for the faster ONNX path.")
        return None
    from .export_onnx import export_onnx

    try:
        report = export_onnx(weights, target)
    except Exception as exc:  # noqa: BLE001 (the weights are written: a failed extra, not a failed run)
        feedback.warning(f"the ONNX twin was not written ({type(exc).__name__}: {exc}); "
                         f"translation runs these weights with PyTorch ({later} retries).")
        return None
    feedback.info(f"ONNX twin {report.path.name} written beside the weights (equal to "
                  f"PyTorch within {report.max_abs_diff:.1e}); translation runs it on the "
                  "fastest installed ONNX engine")
    return report.path


__all__ = ["missing_packages", "write_twin"]
