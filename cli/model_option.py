"""``--model`` of the translating commands, defined once: left out, the bundled model that
fits the inputs (``core.bundled.fitting_model``, the toolbox's "automatic" and the dock's
first entry)."""
from __future__ import annotations

import argparse


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None,
                        help="a bundled model's name, or a .safetensors or .onnx weights file "
                             "(default: the bundled model that fits the inputs: the DEM "
                             "fusion model with --dem, the SAR-only one without)")


def model_arg(args: argparse.Namespace) -> str:
    if args.model:
        return str(args.model)
    from ..core.bundled import fitting_model

    return fitting_model(args.dem is not None)
