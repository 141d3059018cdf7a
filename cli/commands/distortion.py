"""``sardine distortion``: layover, foreshortening and shadow mask of a DEM for a SAR geometry."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.distortion import LEGEND, write_distortion_raster
from ...core.geometry import LOOKS, AcquisitionGeometry
from ..progress import cli_feedback

NAME = "distortion"
HELP = "write the SAR distortion mask (foreshortening, layover, shadow) of a DEM"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dem", required=True, type=Path,
                        help="DEM GeoTIFF, heights in metres (projected or geographic CRS)")
    parser.add_argument("--incidence", required=True, type=float, metavar="DEG",
                        help="incidence angle on flat ground, degrees (Sentinel-1 IW: 30-46)")
    parser.add_argument("--heading", required=True, type=float, metavar="DEG",
                        help="platform heading, clockwise from north (S1 descending ~190, "
                             "ascending ~350)")
    parser.add_argument("--look", choices=LOOKS, default="right",
                        help="side the antenna looks to (Sentinel-1: right)")
    parser.add_argument("--out", required=True, type=Path, help="output mask GeoTIFF")


def run(args: argparse.Namespace) -> int:
    geometry = AcquisitionGeometry(incidence_deg=args.incidence, heading_deg=args.heading,
                                   look=args.look)
    with cli_feedback("distortion") as feedback:
        out = write_distortion_raster(args.dem, args.out, geometry, feedback=feedback)
    print(f"{out}  ({LEGEND})")
    return 0
