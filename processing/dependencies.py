"""Which Python packages the engine needs and QGIS's Python lacks, and the command that
installs them into *that* Python: QGIS embeds its own interpreter, so ``pip install``
in a terminal often lands in another one and the user stays stuck.

Pure Python (no qgis import) so it can be checked and tested anywhere.
"""
from __future__ import annotations

import importlib
import os
import shlex
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

# import name -> pip requirement (torch pinned like requirements.txt: a newer one may pull
# a multi-GB CUDA build and a different ABI than the weights were tested with).
REQUIRED: dict[str, str] = {
    "torch": "torch==2.13.0",
    "rasterio": "rasterio",
    "scipy": "scipy",
    "safetensors": "safetensors",
}


@dataclass(frozen=True)
class MissingPackage:
    """A package QGIS's Python cannot import, and why (absent or broken install)."""

    name: str
    requirement: str
    reason: str


def missing_packages(names: tuple[str, ...] | None = None) -> list[MissingPackage]:
    """Try to import each required package; a broken install counts as missing too."""
    missing = []
    for name in names or tuple(REQUIRED):
        try:
            importlib.import_module(name)
        except Exception as exc:  # a broken DLL raises OSError, not ImportError
            missing.append(MissingPackage(name, REQUIRED.get(name, name),
                                          f"{type(exc).__name__}: {exc}"))
    return missing


def qgis_python() -> str:
    """The interpreter QGIS runs: ``sys.executable`` is the qgis binary when embedded."""
    exe = Path(sys.executable)
    if exe.name.lower().startswith("python"):
        return str(exe)
    prefix = Path(sys.exec_prefix)
    major, minor = sys.version_info[:2]
    for candidate in (prefix / "python.exe", prefix / "python3.exe",
                      prefix / "bin" / f"python{major}.{minor}", prefix / "bin" / "python3"):
        if candidate.is_file():
            return str(candidate)
    return "python3"


def _externally_managed() -> bool:
    """Debian's system Python refuses ``pip install`` (PEP 668) unless told otherwise."""
    stdlib = sysconfig.get_path("stdlib")
    return bool(stdlib) and (Path(stdlib) / "EXTERNALLY-MANAGED").is_file()


def install_command(missing: list[MissingPackage]) -> str:
    """The exact shell command that installs ``missing`` for QGIS's Python."""
    in_venv = sys.prefix != sys.base_prefix
    args = [qgis_python(), "-m", "pip", "install"]
    if not in_venv:
        args.append("--user")
        if _externally_managed():
            args.append("--break-system-packages")
    args += [m.requirement for m in missing]
    if os.name == "nt":
        return " ".join(f'"{a}"' if " " in a else a for a in args)
    return shlex.join(args)


def missing_message(missing: list[MissingPackage]) -> str:
    """One sentence naming what is missing and the command that fixes it."""
    names = ", ".join(m.name for m in missing)
    return (f"Sardine needs the Python package(s) {names}, which QGIS's Python cannot import. "
            f"Install them with:\n{install_command(missing)}\nthen restart QGIS.")
