"""``sardine simulate``: one simulated scene (SAR, DEM, optical, land cover, masks)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.geometry import LOOKS
from ...training.simulate import SceneSpec, simulate_scene, write_scene
from ...training.simulate.sar import DEFAULT_LOOKS
from ...training.simulate.terrain_sources import terrain_sources
from ..progress import cli_feedback

NAME = "simulate"
HELP = "simulate a Sentinel-1 VV/VH, DEM and optical scene over real or generated mountains"


def add_scene_arguments(parser: argparse.ArgumentParser, size: int) -> None:
    """Options shared with ``simulate-dataset``."""
    parser.add_argument("--size", type=int, default=size, metavar="N",
                        help=f"scene width and height in pixels (default {size})")
    parser.add_argument("--pixel-size", type=float, default=10.0, metavar="M",
                        help="pixel size in metres (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--incidence", type=float, default=39.0, metavar="DEG",
                        help="incidence angle on flat ground (default 39)")
    parser.add_argument("--heading", type=float, default=190.0, metavar="DEG",
                        help="platform heading from north (default 190, S1 descending)")
    parser.add_argument("--look", choices=LOOKS, default="right", help="look side (right)")
    parser.add_argument("--looks", type=float, default=DEFAULT_LOOKS,
                        help=f"equivalent number of looks of the speckle (default {DEFAULT_LOOKS})")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--dem", default=None,
                        help="real DEM GeoTIFF (any CRS), or 'jacksboro' (matplotlib's real "
                             "DEM); default: generated mountains")
    add_scene_arguments(parser, 1024)
    parser.add_argument("--preview", action="store_true",
                        help="also write preview.png (SAR | hillshade | optical | masks)")
    parser.add_argument("--landslide", action="store_true",
                        help="write a pre/post landslide pair (pre/, post/) and landslide.tif, "
                             "the true change mask, instead of one scene")
    parser.add_argument("--slides", type=int, default=6, metavar="N",
                        help="landslides to place with --landslide (default 6)")


def run(args: argparse.Namespace) -> int:
    with terrain_sources([args.dem] if args.dem else None) as (sources, _):
        spec = SceneSpec(size=args.size, pixel_size=args.pixel_size, seed=args.seed,
                         incidence=args.incidence, heading=args.heading, look=args.look,
                         looks=args.looks, dem_path=sources[0])
        if args.landslide:
            return _landslide(spec, args)
        with cli_feedback("simulate") as feedback:
            scene = simulate_scene(spec, feedback)
            paths = write_scene(scene, args.out)
    if args.preview:
        from ...training.simulate.preview import render_preview

        paths["preview"] = render_preview(scene, Path(args.out) / "preview.png")
    for name, path in paths.items():
        print(f"{name}: {path}")
    print(f"simulated in {scene.seconds:.1f} s")
    return 0


def _landslide(spec: SceneSpec, args: argparse.Namespace) -> int:
    from ...training.simulate.landslide import simulate_landslide, write_landslide

    with cli_feedback("simulate") as feedback:
        pair = simulate_landslide(spec, args.slides, feedback)
        paths = write_landslide(pair, args.out)
    for name, path in paths.items():
        print(f"{name}: {path}")
    print(f"{pair.slides.count} landslides, {100 * float((pair.slides.mask > 0).mean()):.2f}% "
          "of the pixels changed")
    return 0
