"""``sardine evaluate-trust``: how the trust layer (and each of its components) ranks the
per-pixel translation error on simulated scenes; the calibration of its colour component
fitted on training scenes, reported on separate test scenes, and with ``--fit-out`` stored
in a new weights file (docs/CHANGE.md)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "evaluate-trust"
HELP = "measure trust vs translation error on simulated scenes (Spearman, per component)"


def _seeds(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="sardinet-late",
                        help="model name or weights file (default sardinet-late)")
    parser.add_argument("--train-seeds", type=_seeds, default=[10, 11, 12, 13],
                        metavar="A,B,..", help="scenes the calibration is fitted on (10,11,12,13)")
    parser.add_argument("--test-seeds", type=_seeds, default=[20, 21, 22, 23],
                        metavar="A,B,..", help="scenes the figures are reported on "
                                               "(20,21,22,23)")
    parser.add_argument("--size", type=int, default=512, help="scene side in pixels (512)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1)")
    parser.add_argument("--no-spread", action="store_true",
                        help="skip the flip-spread candidate (one translation less a scene)")
    parser.add_argument("--fit-out", type=Path, metavar="W2.safetensors",
                        help="write the weights (a .safetensors file) with the trust "
                             "calibration fitted on the training seeds to this new file (the "
                             "input is never overwritten) and report the test seeds with it; "
                             "export it again with `sardine export` for ONNX Runtime")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")


def run(args: argparse.Namespace) -> int:
    from ...training.evaluation.change import write_report
    from ...training.evaluation.trust import evaluate_trust

    def log(message: str) -> None:
        print(f"evaluate-trust: {message}", file=sys.stderr, flush=True)

    report = evaluate_trust(args.train_seeds, args.test_seeds, args.model, args.size,
                            args.threads, not args.no_spread, log, args.fit_out)
    if args.json is not None:
        write_report(report, args.json)
    print(json.dumps(report, indent=1))
    if "written" in report:
        print(f"weights with the fitted trust calibration: {report['written']}")
    return 0
