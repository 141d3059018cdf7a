"""``sardine change``: pre- and post-event SAR translated with one model on the pre-event
grid, their change and the trust layer (docs/CHANGE.md). Ctrl-C cancels cleanly."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.bands import band_names, guess_polarisation_bands
from ...core.change.params import OUTPUTS, ChangeParams
from ...core.translate.params import DEVICES, default
from ..geometry_options import add_geometry_arguments
from ..model_option import add_model_argument, model_arg
from ..progress import cli_feedback

NAME = "change"
HELP = ("translate a pre- and a post-event SAR acquisition with one model and map where they "
        "changed and where the radar cannot be trusted")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pre-sar", required=True, type=Path,
                        help="pre-event SAR GeoTIFF (VV, VH; dB or linear): its grid is used")
    parser.add_argument("--post-sar", required=True, type=Path,
                        help="post-event SAR GeoTIFF (same polarisations and orbit geometry), "
                             "warped onto the pre-event grid")
    parser.add_argument("--dem", type=Path,
                        help="DEM in metres (fusion models; the trust layer's distortion part)")
    add_model_argument(parser)
    parser.add_argument("--out", required=True, type=Path,
                        help="output folder: " + ", ".join(f"{n}.tif" for n in OUTPUTS))
    add_geometry_arguments(parser, purpose="used with --dem")
    parser.add_argument("--device", choices=DEVICES, default=default("device"))
    parser.add_argument("--tile", type=int, default=default("tile"),
                        help=f"tile size in pixels ({default('tile')})")
    parser.add_argument("--overlap", type=int, default=default("overlap"),
                        help=f"overlap between tiles in pixels ({default('overlap')})")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for the model (default: all usable cores)")


def _bands(path: Path, role: str) -> tuple[int, int]:
    guess = guess_polarisation_bands(band_names(path))
    print(f"{role} SAR bands: {guess.describe()}")
    return guess.bands


def run(args: argparse.Namespace) -> int:
    from ...core.change import run_change

    params = ChangeParams(pre_sar=args.pre_sar, post_sar=args.post_sar, out_dir=args.out,
                          model=model_arg(args), dem_path=args.dem,
                          pre_bands=_bands(args.pre_sar, "pre-event"),
                          post_bands=_bands(args.post_sar, "post-event"),
                          incidence=args.incidence, heading=args.heading, look=args.look,
                          device=args.device, tile=args.tile, overlap=args.overlap,
                          threads=args.threads)
    with cli_feedback("change") as feedback:
        result = run_change(params, feedback)
    for name, path in result.paths.items():
        print(f"{name}: {path}")
    print(f"{result.width}x{result.height} pixels in {result.seconds:.1f} s")
    return 0
