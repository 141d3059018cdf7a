"""Glue shared by Sardine's algorithms: QGIS feedback -> core feedback, core errors ->
``QgsProcessingException``, map layers -> file paths the core can open, and the model list.

Only the core's pure-Python modules (errors, feedback) are imported here; the parts that need
torch or rasterio are imported inside functions, so the plugin loads, and says what to
install, when they are missing from QGIS's Python.
"""
from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    QgsMapLayer,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProviderRegistry,
)

from ..core.errors import InputError, SardineError
from ..core.feedback import Feedback
from .dependencies import missing_message, missing_packages
from .task_guard import task_error_message

# Providers whose layers are not files GDAL can open, with the words an analyst knows.
NON_FILE_PROVIDERS = {"wms": "WMS/WMTS/XYZ web", "wcs": "WCS web", "memory": "memory",
                      "virtualraster": "virtual (raster calculator)",
                      "postgresraster": "PostGIS raster", "arcgismapserver": "ArcGIS web"}


def core_feedback(feedback: QgsProcessingFeedback | None) -> Feedback:
    """A core ``Feedback`` that reports to (and is cancelled by) the QGIS feedback."""
    fb = feedback if feedback is not None else QgsProcessingFeedback()
    return Feedback(on_progress=fb.setProgress, on_info=fb.pushInfo,
                    on_warning=fb.pushWarning, is_cancelled=fb.isCanceled)


def require_dependencies(names: tuple[str, ...] | None = None) -> None:
    """Raise with the exact install command when the engine's packages are missing."""
    missing = missing_packages(names)
    if missing:
        raise QgsProcessingException(missing_message(missing))


@contextmanager
def qgis_errors(feedback: QgsProcessingFeedback | None = None) -> Iterator[None]:
    """Turn core errors into ``QgsProcessingException`` carrying the core's own message;
    unexpected errors keep their traceback in the log."""
    try:
        yield
    except QgsProcessingException:
        raise
    except SardineError as exc:
        raise QgsProcessingException(str(exc)) from exc
    except ImportError as exc:
        missing = missing_packages()
        raise QgsProcessingException(missing_message(missing) if missing else str(exc)) from exc
    except Exception as exc:
        if feedback is not None:
            feedback.pushDebugInfo(traceback.format_exc())
        raise QgsProcessingException(task_error_message(exc)) from exc


def layer_file(layer: QgsMapLayer | None, role: str) -> Path:
    """The file behind a raster layer. Web, database, in-archive and in-container layers are
    refused with what to do, since the engine reads plain raster files."""
    if layer is None:
        raise InputError(f"No {role} layer given.")
    provider = layer.providerType()
    if provider != "gdal":
        kind = NON_FILE_PROVIDERS.get(provider, provider)
        raise InputError(f"The {role} layer '{layer.name()}' is a {kind} layer, not a file "
                         "GDAL can read. Save it as a GeoTIFF first (right-click > Export > "
                         "Save As...) and pick the saved layer.")
    parts = QgsProviderRegistry.instance().decodeUri("gdal", layer.source())
    if parts.get("layerName"):
        raise InputError(f"The {role} layer '{layer.name()}' is one raster inside a container "
                         "file (GeoPackage, NetCDF...). Save it as a GeoTIFF first "
                         "(right-click > Export > Save As...) and pick the saved layer.")
    if parts.get("vsiPrefix"):
        raise InputError(f"The {role} layer '{layer.name()}' is read from inside an archive "
                         f"({layer.source()}); extract the raster and add the extracted file.")
    path = parts.get("path") or ""
    if not path or not Path(path).is_file():
        raise InputError(f"The {role} layer '{layer.name()}' is not a file on disk "
                         f"({layer.source()}); save it as a GeoTIFF first.")
    return Path(path)


@dataclass(frozen=True)
class ModelChoice:
    """A bundled model as the dock and the toolbox list it."""

    name: str
    description: str
    uses_dem: bool = False


def bundled_model_names() -> list[str]:
    """Bundled model names, without reading the files (no torch at QGIS start-up)."""
    from ..core.bundled import bundled_names

    return bundled_names()


def output_name(sar_name: str, model: str) -> str:
    """The optical layer's name: the SAR layer and the model (a weights file by its stem,
    e.g. the site an adapted file was named after), so two runs on one scene can be told
    apart in the layer tree."""
    label = Path(model).stem if Path(model).suffix.lower() in (".safetensors", ".onnx") else model
    return f"{sar_name} optical ({label})"


def bundled_models() -> list[ModelChoice]:
    """Bundled models with descriptions (reads the files' headers: imports torch); empty
    when the engine cannot be imported."""
    try:
        from ..core.bundled import list_bundled, uses_dem

        return [ModelChoice(m.name, m.description, uses_dem(m.metadata))
                for m in list_bundled()]
    except (ImportError, OSError, SardineError):
        return []


def weights_description(path: str | Path) -> str:
    """What a user's weights file holds (model, inputs, pixel size, training data), or why
    it cannot be used."""
    try:
        from ..core.bundled import describe, read_any_metadata

        return describe(read_any_metadata(Path(path)))
    except (ImportError, SardineError, OSError) as exc:
        return f"Cannot read {Path(path).name}: {exc}"
