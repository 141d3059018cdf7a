"""The ``sardine`` command: subcommands are discovered from ``cli.commands``.

Each module in ``cli/commands`` defines ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; adding a command means adding a module, nothing else.

Imports core and training; never qgis, processing or ui.
"""
from __future__ import annotations

from .signals import cancel_while_starting

cancel_while_starting()  # first: the imports below take a while, and so do torch's and GDAL's

from .app import build_parser, discover_commands, main  # noqa: E402

__all__ = ["build_parser", "discover_commands", "main"]
