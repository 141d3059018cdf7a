"""``sardine experiment``: every model x every seed trained, evaluated, and summarised as
mean ± std (the paper's protocol: five random initialisations per model)."""
from __future__ import annotations

import argparse
import json

from .evaluate import add_common_arguments, comma_list, options_from, output_folder

NAME = "experiment"
HELP = ("train several models with several seeds, evaluate every run and report mean ± std, "
        "parameter counts and training time; resumable (finished runs are skipped)")

DEFAULT_MODELS = "sardinet,sardinet-early,sardinet-late,sardinet-intermediate,pix2pix,cyclegan"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", type=comma_list, default=comma_list(DEFAULT_MODELS),
                        help=f"comma-separated model names (default: {DEFAULT_MODELS})")
    parser.add_argument("--seeds", type=int, default=5,
                        help="random initialisations per model, seeds 0..N-1 (default: 5)")
    parser.add_argument("--epochs", type=int, help="epochs per run (default: the trainer's 100)")
    parser.add_argument("--config", help="JSON object or file: {\"train\": {TrainConfig "
                        "fields for every run}, \"models\": {name: model settings}, "
                        "\"train_per_model\": {name: TrainConfig fields}}")
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from ...training.evaluation.experiment import (
        Experiment,
        ExperimentOptions,
        parse_config,
        read_config,
    )
    from ...training.evaluation.report import markdown_table
    from ..progress import cli_feedback

    evaluation = options_from(args)
    config = parse_config(read_config(args.config))
    if args.device != "auto":
        config["train"].setdefault("device", args.device)
    options = ExperimentOptions(models=args.models, seeds=args.seeds, epochs=args.epochs,
                                evaluation=evaluation, **config)
    out = output_folder(args.out)
    with cli_feedback("experiment") as feedback:
        experiment = Experiment(args.data, out, options, feedback)
        paths = experiment.run()
    report = json.loads(paths["json"].read_text())
    print(markdown_table([r for r in report["rows"] if r["enhancement"] == "none"],
                         report.get("reference")), end="")
    for path in paths.values():
        print(f"wrote {path}")
    return 0
