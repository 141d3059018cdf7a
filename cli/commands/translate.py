"""``sardine translate``: SAR (+ DEM) -> optical GeoTIFF on the SAR's grid, with a progress
bar; Ctrl-C cancels cleanly (no partial output is left)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.bands import BandGuess, band_names, guess_polarisation_bands
from ...core.translate.params import (
    DEVICES,
    ENHANCEMENTS,
    PRECISIONS,
    RUNTIMES,
    TranslateParams,
    default,
)
from ..geometry_options import add_geometry_arguments
from ..model_option import add_model_argument, model_arg
from ..progress import cli_feedback

NAME = "translate"
HELP = "translate a SAR raster (VV, VH) and a DEM into an optical-looking RGB GeoTIFF"


def _bands(text: str) -> tuple[int, ...]:
    try:
        bands = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of band numbers, e.g. 1,2") from None
    if not bands:
        raise argparse.ArgumentTypeError("give at least one band number, e.g. 1,2")
    return bands


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sar", required=True, type=Path,
                        help="SAR GeoTIFF with VV and VH backscatter (dB, or linear power)")
    parser.add_argument("--dem", type=Path,
                        help="DEM in metres, any CRS and resolution (needed by fusion models)")
    add_model_argument(parser)
    parser.add_argument("--out", required=True, type=Path, help="output GeoTIFF (RGB + mask)")
    parser.add_argument("--sar-bands", type=_bands, default=None, metavar="VV,VH",
                        help="1-based band numbers of VV and VH in the SAR raster (default: "
                             "found from the band names, else 1,2; the choice is printed)")
    parser.add_argument("--device", choices=DEVICES, default=default("device"),
                        help=f"auto uses a CUDA GPU when present (default {default('device')})")
    parser.add_argument("--runtime", choices=RUNTIMES, default=default("runtime"),
                        help="auto: OpenVINO, else ONNX Runtime, when installed and the "
                             "weights are .onnx or have an exported .onnx twin (1.5-2.5x "
                             "faster on CPU), else PyTorch; PyTorch on a CUDA GPU (default "
                             f"{default('runtime')})")
    parser.add_argument("--tile", type=int, default=default("tile"),
                        help=f"tile size in pixels ({default('tile')})")
    parser.add_argument("--overlap", type=int, default=default("overlap"),
                        help=f"overlap between tiles in pixels, blended seam-free "
                             f"({default('overlap')})")
    parser.add_argument("--batch", type=int, default=default("batch"),
                        help="tiles per forward pass; 0 = automatic: 2 on CPU (no slower per "
                             "tile than more, and less memory), 4 on CUDA; halved "
                             f"automatically on GPU out-of-memory (default {default('batch')})")
    parser.add_argument("--enhance", choices=ENHANCEMENTS, default=default("enhance"),
                        help=f"contrast enhancement of the result (default {default('enhance')})")
    parser.add_argument("--precision", choices=PRECISIONS, default=default("precision"),
                        help="auto: bf16/fp16 on CUDA, fp32 on CPU")
    parser.add_argument("--threads", type=int, default=default("threads"),
                        help="CPU threads for the model (default: all usable cores)")
    parser.add_argument("--compile", action="store_true", default=default("compile"),
                        help="torch.compile the model: about 1.2x faster per tile on CPU "
                             "after a ~20 s compile; worth it for large scenes")
    group = parser.add_argument_group("distortion mask (optional)")
    group.add_argument("--distortion-out", type=Path, metavar="MASK.tif",
                       help="also write a layover/shadow/foreshortening mask on the SAR grid")
    add_geometry_arguments(group)
    parser.add_argument("--trust-out", type=Path, metavar="TRUST.tif",
                        help="also write the per-pixel trust layer (distortion x inputs inside "
                             "the weights' ranges x expected colour error; docs/CHANGE.md); "
                             "with --dem it needs the "
                             "acquisition geometry like --distortion-out")


def sar_bands(args: argparse.Namespace) -> tuple[tuple[int, ...], BandGuess | None]:
    """The bands asked for, or guessed from the band names (the guess is returned to say)."""
    if args.sar_bands is not None:
        return tuple(args.sar_bands), None
    guess = guess_polarisation_bands(band_names(args.sar))
    return guess.bands, guess


def params_from_args(args: argparse.Namespace, bands: tuple[int, ...]) -> TranslateParams:
    return TranslateParams(
        sar_path=args.sar, dem_path=args.dem, model=model_arg(args), out_path=args.out,
        sar_bands=bands, device=args.device, tile=args.tile,
        overlap=args.overlap, batch=args.batch, enhance=args.enhance,
        distortion_out=args.distortion_out, incidence=args.incidence, heading=args.heading,
        look=args.look, precision=args.precision, threads=args.threads, compile=args.compile,
        runtime=args.runtime)


def run(args: argparse.Namespace) -> int:
    from ...core.translate import translate, validate

    bands, guess = sar_bands(args)
    if guess is not None:
        print(f"SAR bands: {guess.describe()}; --sar-bands VV,VH to choose")
    params = params_from_args(args, bands)
    plan = validate(params)
    for note in plan.notes:
        print(note)
    with cli_feedback("translate") as feedback:
        if args.trust_out is not None:
            from ...core.change import translate_with_trust

            result = translate_with_trust(params, args.trust_out, feedback)
        else:
            result = translate(params, feedback, plan=plan)
    print(f"wrote {result.out_path} ({result.width}x{result.height} pixels, "
          f"{result.seconds:.1f} s on {result.where})")
    if result.distortion_path is not None:
        print(f"wrote {result.distortion_path}")
    if args.trust_out is not None:
        print(f"wrote {args.trust_out}")
    return 0
