"""Sardine: DEM-assisted SAR-to-optical translation, as a QGIS plugin and a Python package.

The package root is the plugin folder. Nothing here imports QGIS at module level,
so ``import sardine.core`` works headless.
"""
from .core.version import __version__

__all__ = ["__version__", "classFactory"]


def classFactory(iface):  # noqa: N802 (QGIS's name)
    """QGIS entry point. Packages installed by the dock's Install button (in the profile's
    own folder, see processing/installer.py) become importable first."""
    from .processing.dependencies import profile_dir
    from .processing.installer import add_to_path

    add_to_path(profile_dir())
    from .plugin import SardinePlugin

    return SardinePlugin(iface)
