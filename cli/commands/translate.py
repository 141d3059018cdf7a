"""``sardine translate``: SAR (+ DEM) -> optical GeoTIFF on the SAR's grid, with a progress
bar; Ctrl-C cancels cleanly (no partial output is left)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.errors import InputError
from ...core.geometry import LOOKS, AcquisitionGeometry
from ...core.translate.params import DEVICES, ENHANCEMENTS, RUNTIMES, TranslateParams
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
    parser.add_argument("--model", required=True,
                        help="a bundled model's name, or a .safetensors or .onnx weights file")
    parser.add_argument("--out", required=True, type=Path, help="output GeoTIFF (RGB + mask)")
    parser.add_argument("--sar-bands", type=_bands, default=(1, 2), metavar="VV,VH",
                        help="1-based band numbers of VV and VH in the SAR raster (default 1,2)")
    parser.add_argument("--device", choices=DEVICES, default="auto",
                        help="auto uses a CUDA GPU when present (default auto)")
    parser.add_argument("--runtime", choices=RUNTIMES, default="auto",
                        help="auto: ONNX Runtime when installed and the weights are .onnx or "
                             "have an exported .onnx twin (2-3x faster on CPU), else PyTorch; "
                             "PyTorch on a CUDA GPU (default auto)")
    parser.add_argument("--tile", type=int, default=512, help="tile size in pixels (512)")
    parser.add_argument("--overlap", type=int, default=64,
                        help="overlap between tiles in pixels, blended seam-free (64)")
    parser.add_argument("--batch", type=int, default=0,
                        help="tiles per forward pass; 0 = automatic: 2 on CPU (no slower per "
                             "tile than more, and less memory), 4 on CUDA; halved "
                             "automatically on GPU out-of-memory (default 0)")
    parser.add_argument("--enhance", choices=ENHANCEMENTS, default="none",
                        help="contrast enhancement of the result (default none)")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"),
                        default="auto", help="auto: bf16/fp16 on CUDA, fp32 on CPU")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for the model (default: all usable cores)")
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile the model: about 1.2x faster per tile on CPU "
                             "after a ~20 s compile; worth it for large scenes")
    group = parser.add_argument_group("distortion mask (optional)")
    group.add_argument("--distortion-out", type=Path, metavar="MASK.tif",
                       help="also write a layover/shadow/foreshortening mask on the SAR grid")
    group.add_argument("--incidence", type=float, metavar="DEG",
                       help="incidence angle on flat ground (Sentinel-1 IW: 30 to 46)")
    group.add_argument("--heading", type=float, metavar="DEG",
                       help="platform heading, clockwise from north (S1 descending ~190)")
    group.add_argument("--look", choices=LOOKS, default="right",
                       help="antenna look side (Sentinel-1: right)")


def params_from_args(args: argparse.Namespace) -> TranslateParams:
    geometry = None
    if args.distortion_out is not None:
        if args.incidence is None or args.heading is None:
            raise InputError("--distortion-out needs --incidence DEG and --heading DEG "
                             "(Sentinel-1 descending: about 39 and 190).")
        geometry = AcquisitionGeometry(incidence_deg=args.incidence, heading_deg=args.heading,
                                       look=args.look)
    return TranslateParams(
        sar_path=args.sar, dem_path=args.dem, model=args.model, out_path=args.out,
        sar_bands=tuple(args.sar_bands), device=args.device, tile=args.tile,
        overlap=args.overlap, batch=args.batch, enhance=args.enhance,
        distortion_out=args.distortion_out, geometry=geometry, precision=args.precision,
        threads=args.threads, compile=args.compile, runtime=args.runtime)


def run(args: argparse.Namespace) -> int:
    from ...core.translate import translate

    params = params_from_args(args)
    with cli_feedback("translate") as feedback:
        result = translate(params, feedback)
    print(f"wrote {result.out_path} ({result.width}x{result.height} pixels, "
          f"{result.seconds:.1f} s)")
    if result.distortion_path is not None:
        print(f"wrote {result.distortion_path}")
    return 0
