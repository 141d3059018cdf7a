"""Import matplotlib's figure machinery once, without a spurious warning.

Debian's matplotlib (a QGIS dependency) puts a regular ``mpl_toolkits`` package on the
system path, which shadows the virtual environment's namespace package; matplotlib then
warns at import that 3-D axes are unavailable. Sardine draws no 3-D axes, so a user should
not see that warning on every ``sardine train`` or ``sardine evaluate``. Call
``quiet_matplotlib()`` before importing from ``matplotlib.figure``: the warning is raised
only on the first import, which then happens here.
"""
from __future__ import annotations

import warnings


def quiet_matplotlib() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unable to import Axes3D")
        import matplotlib.backends.backend_agg  # noqa: F401
        import matplotlib.figure  # noqa: F401
