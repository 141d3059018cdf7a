"""The "Sardine" Processing provider: makes the algorithms available to the toolbox, the
modeler, batch mode, ``processing.run`` and ``qgis_process``."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..core.version import __version__
from .adapt_algorithm import AdaptAlgorithm
from .change_algorithm import ChangeAlgorithm
from .distortion_algorithm import DistortionMaskAlgorithm
from .icons import icon
from .translate_algorithm import TranslateAlgorithm

PROVIDER_ID = "sardine"


class SardineProvider(QgsProcessingProvider):
    """Provider ``sardine`` with ``sardine:translate`` and ``sardine:distortion_mask``."""

    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return "Sardine"

    def longName(self) -> str:  # noqa: N802
        return f"Sardine {__version__} (SAR to optical translation)"

    def icon(self) -> QIcon:
        return icon("sardine.svg")

    def loadAlgorithms(self) -> None:  # noqa: N802
        self.addAlgorithm(TranslateAlgorithm())
        self.addAlgorithm(DistortionMaskAlgorithm())
        self.addAlgorithm(ChangeAlgorithm())
        self.addAlgorithm(AdaptAlgorithm())
