"""``sardine evaluate-change``: ROC AUCs and trust-versus-error of ``sardine change`` on a
pair made by ``sardine simulate --landslide`` (docs/CHANGE.md)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

NAME = "evaluate-change"
HELP = "measure a change run on a simulated landslide pair (ROC AUC, trust vs error)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pair", required=True, type=Path,
                        help="folder written by sardine simulate --landslide")
    parser.add_argument("--change", required=True, type=Path,
                        help="folder written by sardine change on that pair")
    parser.add_argument("--figure", type=Path, help="also draw a PNG figure")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")


def run(args: argparse.Namespace) -> int:
    from ...core.atomic import check_output_path
    from ...training.evaluation.change import evaluate_change, write_report

    for path in (args.figure, args.json):  # writable, before the measuring
        if path is not None:
            check_output_path(path, [args.pair, args.change])
    report = evaluate_change(args.pair, args.change, args.figure)
    if args.json is not None:
        write_report(report, args.json)
    print(json.dumps(report, indent=1))
    return 0
