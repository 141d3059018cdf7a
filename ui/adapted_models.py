"""Adapted weights as entries of the dock's model list, remembered in the QGIS project.

An adapted model belongs to a site, so the list lives in the project (saved with the
.qgz, restored when it is opened, emptied for a new project), not in the user's settings.
Files that no longer exist are not offered.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProject

PROJECT_SCOPE, PROJECT_KEY = "sardine", "adapted_weights"
ITEM_PREFIX = "__adapted__:"  # model-combo data of an adapted entry: prefix + path


def project_weights(project: QgsProject | None = None) -> list[str]:
    """Adapted weights remembered in the project (existing files only)."""
    project = project or QgsProject.instance()
    values, _ = project.readListEntry(PROJECT_SCOPE, PROJECT_KEY, [])
    return [v for v in values if Path(v).is_file()]


def remember_weights(path: str, project: QgsProject | None = None) -> None:
    """Add ``path`` to the project's list (marks the project dirty, as any change does)."""
    project = project or QgsProject.instance()
    values, _ = project.readListEntry(PROJECT_SCOPE, PROJECT_KEY, [])
    if path not in values:
        project.writeEntry(PROJECT_SCOPE, PROJECT_KEY, [*values, path])


def item_data(path: str) -> str:
    return f"{ITEM_PREFIX}{path}"


def item_path(data: object) -> str | None:
    """The weights file of an adapted entry's data, None for any other entry."""
    if isinstance(data, str) and data.startswith(ITEM_PREFIX):
        return data[len(ITEM_PREFIX):]
    return None


def item_label(path: str) -> str:
    return f"Adapted: {Path(path).stem}"
