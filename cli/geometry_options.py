"""The one definition of the acquisition-geometry options (``--incidence``, ``--heading``,
``--look``) of every command that draws distortion regions from a DEM: translate, change
and adapt. None means "read from the SAR file's metadata" (``core.sar_metadata``)."""
from __future__ import annotations

import argparse

from ..core.geometry import LOOKS
from ..core.translate.params import default


def add_geometry_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup,
                           *, purpose: str = "") -> None:
    """Add --incidence, --heading and --look; ``purpose`` ends their help (what uses them)."""
    tail = f"; {purpose}" if purpose else ""
    parser.add_argument("--incidence", type=float, metavar="DEG", default=default("incidence"),
                        help="incidence angle on flat ground (Sentinel-1 IW: 30 to 46); "
                             f"default: read from the SAR file's metadata{tail}")
    parser.add_argument("--heading", type=float, metavar="DEG", default=default("heading"),
                        help="platform heading, clockwise from north (S1 descending ~190, "
                             "ascending ~350); default: read from the SAR file's metadata"
                             f"{tail}")
    parser.add_argument("--look", choices=LOOKS, default=default("look"),
                        help=f"antenna look side (Sentinel-1: {default('look')})")
