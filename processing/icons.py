"""Icons from ``resources/icons``, found relative to the package so they work from the
plugin folder, an editable install and the packaged zip alike."""
from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtGui import QIcon

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"


def icon(name: str) -> QIcon:
    """``QIcon`` for ``resources/icons/<name>``."""
    return QIcon(str(ICONS / name))
