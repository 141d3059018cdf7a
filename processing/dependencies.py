"""Which Python packages translation needs and QGIS's Python lacks, and the command that
installs them into *that* Python (see ``installer.py``): QGIS embeds its own interpreter,
so ``pip install`` in a terminal often lands in another one and the user stays stuck.

Translation needs numpy, rasterio and scipy plus one runtime: ONNX Runtime (enough with
the bundled .onnx weights; checked first, so torch is not imported when it is there) or
PyTorch with safetensors. Pure Python (qgis only imported lazily, for the profile folder).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from ..core.onnx_model import ORT_REQUIREMENT
from .installer import InstallPlan, plan_install, qgis_python

BASE = ("rasterio", "scipy")
# import name -> pip requirement (pinned: see installer.py)
REQUIRED: dict[str, str] = {
    "rasterio": "rasterio==1.4.4",
    "scipy": "scipy==1.11.4",
    "onnxruntime": ORT_REQUIREMENT,
    "torch": "torch==2.13.0",
    "safetensors": "safetensors==0.8.0",
}
__all__ = ["MissingPackage", "install_command", "install_plan", "missing_message",
           "missing_packages", "qgis_python"]


@dataclass(frozen=True)
class MissingPackage:
    """A package QGIS's Python cannot import, and why (absent or broken install)."""

    name: str
    requirement: str
    reason: str


def _try(name: str) -> MissingPackage | None:
    try:
        importlib.import_module(name)
    except Exception as exc:  # a broken DLL raises OSError, not ImportError
        return MissingPackage(name, REQUIRED.get(name, name), f"{type(exc).__name__}: {exc}")
    return None


def missing_packages(names: tuple[str, ...] | None = None) -> list[MissingPackage]:
    """``names`` given: those that do not import. Default: what translation lacks: the base
    packages, and ONNX Runtime when neither runtime imports."""
    if names is not None:
        return [m for m in map(_try, names) if m is not None]
    missing = [m for m in map(_try, BASE) if m is not None]
    ort = _try("onnxruntime")
    if ort is not None and (_try("torch") or _try("safetensors")):
        missing.append(ort)
    return missing


def profile_dir() -> Path:
    """The active QGIS profile folder (a user folder outside QGIS, for tests and scripts)."""
    try:
        from qgis.core import QgsApplication

        path = QgsApplication.qgisSettingsDirPath()
        if path:
            return Path(path)
    except ImportError:
        pass
    return Path.home() / ".sardine"


def install_plan(missing: list[MissingPackage], profile: str | Path | None = None
                 ) -> InstallPlan:
    """The installation that fixes ``missing``: PyTorch when torch or safetensors was asked
    for by name, ONNX Runtime (enough to translate) when it is missing; base packages as
    listed."""
    names = {m.name for m in missing}
    feature = ("torch" if names & {"torch", "safetensors"}
               else "translate" if "onnxruntime" in names else "base")
    base = tuple(n for n in ("numpy", *BASE) if n in names)
    return plan_install(feature, profile or profile_dir(), base)


def install_command(missing: list[MissingPackage], profile: str | Path | None = None) -> str:
    """The exact shell command that installs ``missing`` for QGIS's Python."""
    return install_plan(missing, profile).shell()


def missing_message(missing: list[MissingPackage]) -> str:
    """One sentence naming what is missing and the command that fixes it."""
    names = ", ".join(m.name for m in missing)
    return (f"Sardine needs the Python package(s) {names}, which QGIS's Python cannot import. "
            "Press Install, or run:\n"
            f"{install_command(missing)}\nthen restart QGIS.")

