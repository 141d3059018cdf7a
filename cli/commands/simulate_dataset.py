"""``sardine simulate-dataset``: simulated scenes cut into training patches."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...training.simulate import simulate_dataset
from ..progress import cli_feedback
from .simulate import add_scene_arguments

NAME = "simulate-dataset"
HELP = "write simulated SAR/DEM/optical patches (sar/ dem/ optical/ distortion/) for training"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--count", required=True, type=int, help="number of patches")
    parser.add_argument("--patch", type=int, default=256, help="patch size in pixels (256)")
    parser.add_argument("--dem", nargs="+", default=None, metavar="DEM",
                        help="terrain of the scenes, taken in turn: DEM GeoTIFF(s) (any CRS; "
                             "scenes at random places), 'generated' mountains, or 'jacksboro' "
                             "(matplotlib's real DEM); e.g. --dem generated jacksboro; "
                             "default: generated")
    add_scene_arguments(parser, 1024)


def run(args: argparse.Namespace) -> int:
    with cli_feedback("simulate-dataset") as feedback:
        out = simulate_dataset(args.out, args.count, patch=args.patch, dem_paths=args.dem,
                               seed=args.seed, size=args.size, pixel_size=args.pixel_size,
                               incidence=args.incidence, heading=args.heading, look=args.look,
                               looks=args.looks, feedback=feedback)
    print(f"{out}: {args.count} patches in sar/ dem/ optical/ distortion/ landcover/, "
          "splits.json, dataset.json")
    return 0
