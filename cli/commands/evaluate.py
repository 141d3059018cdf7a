"""``sardine evaluate``: the paper's Table 1 and Fig. 4 for any dataset and weights files."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.errors import InputError
from ...core.geometry import LOOKS, AcquisitionGeometry

NAME = "evaluate"
HELP = ("measure MSE/SSIM/PSNR per distortion region (and FID) of one or more weights files "
        "on a dataset split; write report.json/.csv/.md and figure.png")


def comma_list(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``sardine experiment``."""
    parser.add_argument("--data", required=True, help="dataset folder (layout auto-detected)")
    parser.add_argument("--out", required=True, help="output folder (created if needed)")
    parser.add_argument("--split", default="test", choices=("train", "val", "test", "all"),
                        help="patches to evaluate (default: test)")
    parser.add_argument("--split-file", help="JSON with train/val/test lists of patch names "
                        "(default: DATA/splits.json, else the run's split.json)")
    parser.add_argument("--enhance", type=comma_list, default=("none",),
                        help="comma-separated: none, laplacian, wiener (default: none)")
    parser.add_argument("--inception-weights", metavar="FILE",
                        help="Inception-v3 .safetensors for FID; without it FID is skipped")
    parser.add_argument("--incidence", type=float, default=39.0,
                        help="incidence angle (deg) to compute distortion from the DEM when "
                        "the data has no distortion masks (default: 39)")
    parser.add_argument("--heading", type=float, default=190.0,
                        help="platform heading (deg from north; default 190, descending)")
    parser.add_argument("--look", choices=LOOKS, default="right", help="look side")
    parser.add_argument("--dataset-kind",
                        choices=("patches", "sen12", "bigearthnet", "benv2", "scenes", "mix"),
                        help="force a reader instead of detecting the layout")
    parser.add_argument("--patch", type=int, default=256,
                        help="scene triplets only: window size (default: 256)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--batch", type=int, default=8, help="patches per forward pass")
    parser.add_argument("--figure-patches", type=int, default=4,
                        help="patches shown in figure.png (default: 4)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", nargs="+", required=True, metavar="FILE",
                        help="one or more .safetensors weights files")
    parser.add_argument("--labels", type=comma_list,
                        help="comma-separated row labels, one per weights file")
    parser.add_argument("--flat-dem", type=float, metavar="METRES",
                        help="data without a DEM (e.g. BigEarthNet pairs of flat land): give "
                        "DEM-fusing models a constant DEM of this height; only the Global "
                        "region is then measured (default: none, DEM models are refused)")
    add_common_arguments(parser)


def options_from(args: argparse.Namespace):
    """EvalOptions from the shared options."""
    from ...training.evaluation.evaluate import EvalOptions

    if args.batch < 1 or args.figure_patches < 0:
        raise InputError("--batch must be at least 1 and --figure-patches at least 0.")
    return EvalOptions(
        split=args.split, enhancements=args.enhance, inception_weights=args.inception_weights,
        geometry=AcquisitionGeometry(args.incidence, args.heading, args.look),
        dataset_kind=args.dataset_kind, split_file=args.split_file,
        labels=getattr(args, "labels", None), device=args.device, batch=args.batch,
        patch=args.patch, figure_patches=args.figure_patches,
        flat_dem_m=getattr(args, "flat_dem", None))


def output_folder(path: str) -> Path:
    """``--out``, refused before any work if it is a file or cannot be made or written."""
    from ...core.atomic import check_output_folder

    out = Path(path).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder for the report.")
    check_output_folder(out)
    return out


def run(args: argparse.Namespace) -> int:
    from ...training.evaluation.evaluate import evaluate_models, write_evaluation
    from ...training.evaluation.report import markdown_table
    from ..progress import cli_feedback

    options = options_from(args)
    out = output_folder(args.out)
    with cli_feedback("evaluate") as feedback:
        report, figure = evaluate_models(args.weights, args.data, options, feedback)
        paths = write_evaluation(out, report, figure)
    print(markdown_table(report["rows"], report.get("reference")), end="")
    for path in paths.values():
        print(f"wrote {path}")
    return 0
