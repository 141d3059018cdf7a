"""Weights that ship with Sardine (``resources/weights/<name>.safetensors``, and its
exported twin ``<name>.onnx``), found by name.

``resolve_model`` is what every front end calls with the user's ``--model`` value: an
existing .safetensors or .onnx path, or the name of a bundled file (the .safetensors when
present, else the .onnx; the runtime then picks the twin it runs, see
``core/translate/runtime.py``). Nothing here imports torch.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, SardineError
from .onnx_scan import ONNX_SUFFIX, check_onnx_file
from .weights import WEIGHTS_SUFFIX, WeightsMetadata, check_weights_file, read_metadata

log = logging.getLogger("sardine")
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "resources" / "weights"


def bundled_names(folder: Path | None = None) -> list[str]:
    """Names of the bundled weights files, without reading them (QGIS lists them when it
    starts)."""
    return [path.stem for path in _bundled_files(Path(folder) if folder else BUNDLED_DIR)]


@dataclass(frozen=True)
class BundledModel:
    name: str
    path: Path
    metadata: WeightsMetadata
    description: str


def describe(metadata: WeightsMetadata) -> str:
    """One line for a human: inputs, pixel size, training data."""
    inputs = ",".join(metadata.normalization.sar_bands) + ("+DEM" if uses_dem(metadata) else "")
    trained = metadata.training_data or "unspecified data"
    return (f"{metadata.model}: {inputs} -> RGB, {metadata.pixel_size_m:g} m pixels, "
            f"trained on {trained}")


def list_bundled(folder: Path | None = None) -> list[BundledModel]:
    """Every readable bundled weights file, by name; unreadable ones are logged, skipped."""
    folder = Path(folder) if folder is not None else BUNDLED_DIR
    found = []
    for path in _bundled_files(folder):
        try:
            metadata = read_any_metadata(path)
        except SardineError as exc:
            log.warning("Skipping bundled weights %s: %s", path.name, exc)
            continue
        found.append(BundledModel(path.stem, path, metadata, describe(metadata)))
    return found


def fitting_model(has_dem: bool, models: list[BundledModel] | None = None) -> str:
    """The bundled model that fits the inputs: the first that fuses a DEM when one is given,
    the first SAR-only one otherwise (else the first of any kind). The dock lists models in
    this order; the toolbox's "automatic" and adapt's default base are this choice."""
    models = list_bundled() if models is None else models
    if not models:
        raise InputError(f"No bundled model was found in {BUNDLED_DIR}; reinstall the plugin, "
                         "or give a weights file (.safetensors or .onnx).")
    return next((m.name for m in models if uses_dem(m.metadata) == has_dem), models[0].name)


def uses_dem(metadata: WeightsMetadata) -> bool:
    return bool(metadata.config.get("uses_dem", False))


def _bundled_files(folder: Path) -> list[Path]:
    """One file per bundled name: the .safetensors, or the .onnx where it stands alone."""
    files = {p.stem: p for p in folder.glob(f"*{ONNX_SUFFIX}")}
    files.update({p.stem: p for p in folder.glob(f"*{WEIGHTS_SUFFIX}")})
    return [files[name] for name in sorted(files)]


def read_any_metadata(path: Path) -> WeightsMetadata:
    """The Sardine metadata of a .safetensors or .onnx weights file (header only)."""
    if path.suffix.lower() == ONNX_SUFFIX:
        from .onnx_model import read_onnx_metadata

        return read_onnx_metadata(path).weights
    return read_metadata(path)


def _architectures() -> tuple[str, ...]:
    """Registered model names, when torch (which the registry needs) is installed."""
    try:
        from .models.registry import REGISTRY
    except ImportError:
        return ()
    return tuple(REGISTRY)


def resolve_model(name_or_path: str, folder: Path | None = None) -> Path:
    """An existing weights file, or the bundled weights called ``name_or_path``."""
    folder = Path(folder) if folder is not None else BUNDLED_DIR
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        if candidate.suffix.lower() == ONNX_SUFFIX:
            check_onnx_file(candidate)
            return candidate.resolve()
        return check_weights_file(candidate.resolve())
    if candidate.is_dir():
        found = sorted(p.name for p in candidate.iterdir()
                       if p.suffix.lower() in (WEIGHTS_SUFFIX, ONNX_SUFFIX))[:3]
        raise InputError(f"The model {name_or_path} is a folder, not a weights file; give the "
                         f"{WEIGHTS_SUFFIX} or {ONNX_SUFFIX} file itself"
                         + (f" (there: {', '.join(found)})." if found else "."))
    for suffix in (WEIGHTS_SUFFIX, ONNX_SUFFIX):
        bundled = folder / f"{name_or_path}{suffix}"
        if candidate.name == name_or_path and bundled.is_file():
            return bundled
    names = [b.name for b in list_bundled(folder)]
    available = (f"bundled weights: {', '.join(names)}" if names
                 else "no weights are bundled with this installation")
    how = ("pass a .safetensors or .onnx file (train one with `sardine train`, which writes "
           "weights with their metadata; `sardine export` makes the .onnx)")
    if candidate.suffix or "/" in name_or_path or "\\" in name_or_path:
        raise InputError(f"Weights file {name_or_path} does not exist; check the path, or "
                         f"{how}. ({available.capitalize()}.)")
    if name_or_path in _architectures():
        raise InputError(f"'{name_or_path}' is an architecture, not trained weights, and no "
                         f"weights of that name are bundled ({available}); {how}.")
    raise InputError(f"No weights named '{name_or_path}' ({available}); use one of those "
                     f"names or {how}.")
