"""Weights that ship with Sardine (``resources/weights/<name>.safetensors``), found by name.

``resolve_model`` is what every front end calls with the user's ``--model`` value: an
existing .safetensors path, or the name of a bundled file.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, SardineError

if TYPE_CHECKING:  # weights and models import torch: only when a file is read
    from .weights import WeightsMetadata

log = logging.getLogger("sardine")
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "resources" / "weights"
SUFFIX = ".safetensors"  # weights.WEIGHTS_SUFFIX; importing weights here would pull torch


def bundled_names(folder: Path | None = None) -> list[str]:
    """Names of the bundled weights files, without reading them (no torch: QGIS lists
    them when it starts)."""
    folder = Path(folder) if folder is not None else BUNDLED_DIR
    return sorted(path.stem for path in folder.glob(f"*{SUFFIX}") if path.is_file())


@dataclass(frozen=True)
class BundledModel:
    name: str
    path: Path
    metadata: WeightsMetadata
    description: str


def describe(metadata: WeightsMetadata) -> str:
    """One line for a human: inputs, pixel size, training data."""
    uses_dem = bool(metadata.config.get("uses_dem", False))
    inputs = ",".join(metadata.normalization.sar_bands) + ("+DEM" if uses_dem else "")
    trained = metadata.training_data or "unspecified data"
    return (f"{metadata.model}: {inputs} -> RGB, {metadata.pixel_size_m:g} m pixels, "
            f"trained on {trained}")


def list_bundled(folder: Path | None = None) -> list[BundledModel]:
    """Every readable bundled weights file, by name; unreadable ones are logged, skipped."""
    from .weights import read_metadata

    folder = Path(folder) if folder is not None else BUNDLED_DIR
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            metadata = read_metadata(path)
        except SardineError as exc:
            log.warning("Skipping bundled weights %s: %s", path.name, exc)
            continue
        found.append(BundledModel(path.stem, path, metadata, describe(metadata)))
    return found


def resolve_model(name_or_path: str, folder: Path | None = None) -> Path:
    """An existing weights file, or the bundled weights called ``name_or_path``."""
    from .models.registry import REGISTRY
    from .weights import check_weights_file

    folder = Path(folder) if folder is not None else BUNDLED_DIR
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        return check_weights_file(candidate.resolve())
    if candidate.is_dir():
        found = sorted(p.name for p in candidate.glob(f"*{SUFFIX}"))[:3]
        raise InputError(f"The model {name_or_path} is a folder, not a weights file; give the "
                         f"{SUFFIX} file itself"
                         + (f" (there: {', '.join(found)})." if found else "."))
    bundled = folder / f"{name_or_path}{SUFFIX}"
    if candidate.name == name_or_path and bundled.is_file():
        return bundled
    names = [b.name for b in list_bundled(folder)]
    available = (f"bundled weights: {', '.join(names)}" if names
                 else "no weights are bundled with this installation")
    how = ("pass a .safetensors file (train one with `sardine train`, which writes "
           "weights with their metadata)")
    if candidate.suffix or "/" in name_or_path or "\\" in name_or_path:
        raise InputError(f"Weights file {name_or_path} does not exist; check the path, or "
                         f"{how}. ({available.capitalize()}.)")
    if name_or_path in REGISTRY:
        raise InputError(f"'{name_or_path}' is an architecture, not trained weights, and no "
                         f"weights of that name are bundled ({available}); {how}.")
    raise InputError(f"No weights named '{name_or_path}' ({available}); use one of those "
                     f"names or {how}.")
