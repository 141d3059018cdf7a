"""Install Sardine's missing Python packages for the Python QGIS runs, done right.

* The interpreter is the one QGIS embeds: ``sys.executable`` is the ``qgis`` binary there,
  so on Linux it is used only when it *is* a python, else one is derived from
  ``sys.exec_prefix``/``sys.prefix`` (``python3`` as a last resort); on Windows and macOS
  it is the python bundled with QGIS (OSGeo4W ``apps/Python3x``, the app bundle's
  ``bin/python3``).
* Packages go to a folder owned by the plugin in the QGIS profile
  (``<profile>/python/sardine-packages/py3XX``, ``pip install --target``): system and
  QGIS packages are never touched, and the plugin appends the folder to ``sys.path`` at
  start-up, after QGIS's own folders, so QGIS's numpy and GDAL keep precedence.
* Versions are pinned, and ``--no-deps`` with an explicit dependency list keeps pip from
  pulling another numpy, which would break ``osgeo.gdal_array`` (compiled against QGIS's).
* Translation only needs ONNX Runtime (tens of MB); PyTorch (for the .safetensors path,
  training) comes from the CPU wheel index unless an NVIDIA driver is present.

Pure Python (no qgis import): the command is built and tested anywhere, without network.
"""
from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core.onnx_model import ORT_REQUIREMENT
from ..core.translate.runtime import nvidia_driver_present

TARGET_FOLDER = "sardine-packages"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYPI_INDEX = "https://pypi.org/simple"

# Pinned to the versions Sardine is tested with (requirements.txt); dependencies listed
# explicitly because pip runs with --no-deps (numpy and GDAL stay QGIS's own).
ONNXRUNTIME = (ORT_REQUIREMENT, "flatbuffers==25.12.19", "protobuf==7.36.2",
               "coloredlogs==15.0.1", "humanfriendly==10.0", "sympy==1.14.0",
               "mpmath==1.3.0", "packaging==26.4")
TORCH = ("torch==2.13.0", "safetensors==0.8.0", "filelock==4.3.1",
         "typing-extensions==4.16.0", "sympy==1.14.0", "mpmath==1.3.0", "networkx==3.6.1",
         "jinja2==3.1.2", "markupsafe==2.1.2", "fsspec==2026.9.0")
# Packages QGIS normally ships; installed only when QGIS's Python lacks them.
BASE = {"numpy": "numpy==1.26.4", "scipy": "scipy==1.11.4", "rasterio": "rasterio==1.4.4",
        "affine": "affine==2.4.0"}
FEATURES = ("base", "translate", "torch")


@dataclass(frozen=True)
class InstallPlan:
    """What to install where, and the exact pip command that does it."""

    python: str
    target: Path
    requirements: tuple[str, ...]
    index_url: str | None = None

    def command(self) -> list[str]:
        args = [self.python, "-m", "pip", "install", "--target", str(self.target),
                "--no-deps", "--only-binary=:all:", "--upgrade",
                "--disable-pip-version-check", "--no-input", "--progress-bar", "off"]
        if self.index_url:
            args += ["--index-url", self.index_url, "--extra-index-url", PYPI_INDEX]
        return args + list(self.requirements)

    def shell(self) -> str:
        """The command for a terminal, quoted for this OS."""
        args = self.command()
        if os.name == "nt":
            return " ".join(f'"{a}"' if " " in a else a for a in args)
        return shlex.join(args)


def is_python(path: Path) -> bool:
    return path.name.lower().startswith("python")


def qgis_python(executable: str | None = None, prefix: str | None = None,
                exec_prefix: str | None = None, platform: str | None = None) -> str:
    """The python of the interpreter QGIS runs (arguments default to this process's)."""
    exe = Path(executable if executable is not None else sys.executable)
    platform = platform or sys.platform
    if is_python(exe):
        return str(exe)
    major, minor = sys.version_info[:2]
    roots = [Path(p) for p in dict.fromkeys((exec_prefix or sys.exec_prefix,
                                             prefix or sys.prefix))]
    names = ([f"python{major}.{minor}", "python3", "python"] if platform != "win32"
             else ["python.exe", "python3.exe"])
    for root in roots:
        folders = [root, root / "bin"] if platform != "win32" else [root, root / "Scripts"]
        for folder in folders:
            for name in names:
                candidate = folder / name
                if candidate.is_file():
                    return str(candidate)
    if platform == "darwin":  # QGIS.app/Contents/MacOS/QGIS -> Contents/MacOS/bin/python3
        candidate = exe.parent / "bin" / "python3"
        if candidate.is_file():
            return str(candidate)
    return "python" if platform == "win32" else "python3"


def target_dir(profile_dir: str | Path) -> Path:
    """The plugin's own package folder in a QGIS profile, per Python version (binary
    wheels are built for one)."""
    major, minor = sys.version_info[:2]
    return Path(profile_dir) / "python" / TARGET_FOLDER / f"py{major}{minor}"


def child_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """pip's environment: no user site, no PYTHONPATH (QGIS's own folders stay unseen)."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONPATH", None)
    env.update(PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def add_to_path(profile_dir: str | Path) -> Path | None:
    """Append the package folder to ``sys.path`` (after QGIS's own) if it exists."""
    folder = target_dir(profile_dir)
    if folder.is_dir() and str(folder) not in sys.path:
        sys.path.append(str(folder))
        return folder
    return None


def plan_install(feature: str, profile_dir: str | Path, missing_base: tuple[str, ...] = (),
                 python: str | None = None, nvidia: bool | None = None) -> InstallPlan:
    """``feature`` 'translate': ONNX Runtime only; 'torch': PyTorch (+ safetensors), CPU
    wheel unless an NVIDIA driver is present; 'base': only the base packages.
    ``missing_base``: import names of base packages QGIS's Python lacks (numpy, scipy,
    rasterio), added pinned."""
    if feature not in FEATURES:
        raise ValueError(f"unknown feature {feature!r}; use one of {FEATURES}")
    extra = tuple(BASE[name] for name in missing_base if name in BASE)
    if "rasterio" in missing_base:
        extra += ("attrs==23.2.0", "certifi==2024.2.2", "click==8.1.7", "cligj==0.7.2",
                  "click-plugins==1.1.1", "pyparsing==3.1.2", BASE["affine"])
    python = python or qgis_python()
    target = target_dir(profile_dir)
    if feature != "torch":
        runtime = ONNXRUNTIME if feature == "translate" else ()
        return InstallPlan(python, target, tuple(dict.fromkeys(runtime + extra)))
    nvidia = nvidia_driver_present() if nvidia is None else nvidia
    index = None if nvidia or sys.platform == "darwin" else TORCH_CPU_INDEX
    return InstallPlan(python, target, tuple(dict.fromkeys(TORCH + extra)), index)

