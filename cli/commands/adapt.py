"""``sardine adapt``: fine-tune weights on your own site (SAR + cloud-free optical pair),
with an honest check on held-out blocks; Ctrl-C leaves no file behind."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ...training.adapt.config import default
from ..geometry_options import add_geometry_arguments
from ..progress import cli_feedback

NAME = "adapt"
HELP = ("fine-tune a model on a SAR + cloud-free optical pair of your site, checked on "
        "held-out ground")


def _bands(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of band numbers, e.g. 1,2") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sar", required=True, type=Path,
                        help="SAR GeoTIFF (VV, VH; dB or linear) of the site, before the event")
    parser.add_argument("--optical", required=True, type=Path,
                        help="cloud-free optical image of the site, any CRS and resolution: "
                             "an RGB or a Sentinel-2 stack (12 or 13 bands)")
    parser.add_argument("--dem", type=Path, help="DEM in metres (any CRS); needed by "
                                                 "DEM-fusion base models")
    parser.add_argument("--optical-bands", default=None, metavar="R,G,B",
                        help="band numbers of red, green, blue (default: from the band "
                             "descriptions B4/B3/B2, else 1,2,3 or 4,3,2 for a stack)")
    masks = parser.add_mutually_exclusive_group()
    masks.add_argument("--cloud-mask", type=Path, metavar="MASK",
                       help="raster where any non-zero value marks a pixel to leave out")
    masks.add_argument("--scl", type=Path,
                       help="Sentinel-2 scene classification: cloud, shadow, snow, no-data "
                            "classes are left out")
    parser.add_argument("--base", default=None, metavar="WEIGHTS_OR_NAME",
                        help="weights to start from (default: bundled sardinet-late with a "
                             "DEM, sardinet without)")
    parser.add_argument("--out", required=True, type=Path,
                        help="adapted weights to write (.safetensors)")
    parser.add_argument("--minutes", type=float, default=default("minutes"),
                        help="time budget of the fine-tuning (default %(default)s)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--holdout", type=float, default=default("holdout"),
                        help="share of the area kept, in whole blocks, for the check "
                             "(%(default)s)")
    parser.add_argument("--no-onnx-twin", dest="onnx_twin", action="store_false",
                        default=default("onnx_twin"),
                        help="do not also write the .onnx twin beside the weights (it lets "
                             "translation run them on ONNX Runtime or OpenVINO, 1.5 to 2.5 times "
                             "as fast on CPU; written by default when onnx and onnxruntime are "
                             "installed)")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="write report.md, report.json and figure.png into DIR")
    parser.add_argument("--sar-bands", type=_bands, default=(1, 2), metavar="VV,VH",
                        help="band numbers of VV and VH in the SAR raster (default 1,2)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads (default: PyTorch's; on a busy machine 1 can be "
                             "faster)")
    geometry = parser.add_argument_group("distortion regions of the held-out scores (with "
                                         "--dem)")
    add_geometry_arguments(geometry, purpose="else Sentinel-1 descending values, said so")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and patches")
    recipe = parser.add_argument_group("recipe (defaults: see docs/ADAPT.md)")
    recipe.add_argument("--steps", type=int, default=None,
                        help="stop after N steps (reproducible; --minutes still bounds)")
    recipe.add_argument("--lr", type=float, default=None, help=f"learning rate ({default('lr')})")
    recipe.add_argument("--batch", type=int, default=None,
                        help=f"patches per step ({default('batch')})")
    recipe.add_argument("--patch", type=int, default=None,
                        help=f"patch size in px ({default('patch')})")
    recipe.add_argument("--ssim-weight", type=float, default=None,
                        help=f"weight of the SSIM term ({default('ssim_weight')})")
    recipe.add_argument("--grad-weight", type=float, default=None,
                        help=f"weight of the image-gradient term ({default('grad_weight')})")
    recipe.add_argument("--contrast-weight", type=float, default=None,
                        help="weight of the local-contrast term (texture) "
                             f"({default('contrast_weight')})")
    recipe.add_argument("--luma-contrast-weight", type=float, default=None,
                        help="weight of the local-contrast term on brightness "
                             f"({default('luma_contrast_weight')})")
    recipe.add_argument("--detail", type=int, default=None, metavar="WIDTH",
                        help="add a full-resolution detail head of WIDTH channels to a "
                             f"SARDINet base (0: none) ({default('detail')})")
    recipe.add_argument("--freeze", choices=("none", "conditioning"), default=None,
                        help=f"keep part of the base fixed ({default('freeze')})")
    recipe.add_argument("--batchnorm", choices=("frozen", "train"), default=None,
                        help="frozen keeps the base's normalisation statistics "
                             f"({default('batchnorm')})")
    parser.add_argument("--json", action="store_true",
                        help="print the held-out scores as JSON on stdout")


def config_from_args(args: argparse.Namespace):
    from ...training.adapt import AdaptConfig
    from ...training.adapt.optical import parse_bands

    recipe = {k: getattr(args, k) for k in ("steps", "lr", "batch", "patch", "ssim_weight",
                                            "grad_weight", "contrast_weight",
                                            "luma_contrast_weight", "detail", "freeze",
                                            "batchnorm")
              if getattr(args, k) is not None}
    return AdaptConfig(sar=args.sar, optical=args.optical, out=args.out, dem=args.dem,
                       optical_bands=parse_bands(args.optical_bands),
                       cloud_mask=args.cloud_mask, scl=args.scl, base=args.base,
                       sar_bands=tuple(args.sar_bands), minutes=args.minutes,
                       device=args.device, threads=args.threads, holdout=args.holdout,
                       report=args.report, onnx_twin=args.onnx_twin, seed=args.seed,
                       incidence=args.incidence, heading=args.heading, look=args.look,
                       **recipe)


def run(args: argparse.Namespace) -> int:
    from ...training.adapt import adapt

    config = config_from_args(args)
    with cli_feedback("adapting") as feedback:
        feedback.on_info = _show_choices(feedback.on_info)
        result = adapt(config, feedback)
    if args.json:
        print(json.dumps({"weights": str(result.out),
                          "onnx": str(result.onnx) if result.onnx else None,
                          "metrics": result.metrics(),
                          "beats_flat_colour": result.beats_flat,
                          "beats_base": result.beats_base}, indent=2))
        return 0
    print(f"base weights: {result.base}; {result.loop.steps} steps in "
          f"{result.loop.seconds:.0f} s ({result.loop.stopped})")
    for name in ("flat colour", "base", "adapted"):
        scores = result.scores[name]["regions"]["global"]
        print(f"  {name:12s} MSE {scores['mse']:.4f}  SSIM {scores['ssim']:.3f}  "
              f"PSNR {scores['psnr']:.2f} dB  gradient/truth "
              f"{result.scores[name]['gradient_ratio']:.2f}")
    for line in result.verdict():
        print(line)
    print(f"weights: {result.out}")
    if result.onnx is not None:
        print(f"ONNX twin: {result.onnx}")
    if result.report_dir is not None:
        print(f"report: {result.report_dir / 'report.md'}")
    return 0


def _show_choices(previous):
    """Print the optical band and scaling choice at once (the user must see it)."""
    from tqdm import tqdm

    def on_info(message: str) -> None:
        if message.startswith("optical bands"):
            tqdm.write(message)
        previous(message)
    return on_info
