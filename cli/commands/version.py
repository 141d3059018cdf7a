"""``sardine version``: version, torch and device facts (for bug reports)."""
from __future__ import annotations

import argparse
import json
import platform

from ...core.version import __version__

NAME = "version"
HELP = "print Sardine's version and the libraries and devices it sees"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    facts = {"sardine": __version__, "python": platform.python_version()}
    try:
        import torch

        facts["torch"] = torch.__version__
        facts["cuda"] = torch.cuda.is_available()
        if facts["cuda"]:
            facts["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        facts["torch"] = None
    try:
        import rasterio

        facts["rasterio"] = rasterio.__version__
        facts["gdal"] = rasterio.__gdal_version__
    except ImportError:
        facts["rasterio"] = None
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        for key, value in facts.items():
            print(f"{key}: {value}")
    return 0
