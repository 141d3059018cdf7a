"""``sardine train``: train a model on your own data into a run folder (weights, curves,
previews); one tqdm bar per epoch. For several GPUs use
``torchrun --nproc-per-node N -m sardine.training`` with the same options."""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from ...core.atomic import check_output_folder
from ...core.feedback import Feedback
from ...training.train.args import add_arguments as _add_arguments
from ...training.train.args import config_from_args

NAME = "train"
HELP = "train a translation model on SAR/DEM/optical data (run folder with weights, curves)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add_arguments(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the run summary as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ...training.train.trainer import train

    config = config_from_args(args)
    check_output_folder(config.out, "run folder")  # a file, or unwritable: before any work
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())

    def info(message: str) -> None:
        tqdm.write(message, file=sys.stderr)

    def warning(message: str) -> None:
        tqdm.write(f"warning: {message}", file=sys.stderr)

    try:
        result = train(config, Feedback(on_info=info, on_warning=warning,
                                        is_cancelled=stop.is_set), progress_bars=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if args.json:
        print(result.to_json())
    else:
        metrics = result.metrics
        print(f"run folder: {result.run_dir}")
        print(f"best epoch {result.best_epoch}: val L1 {metrics.get('val_l1', float('nan')):.4f}"
              f", MSE {metrics.get('val_mse', float('nan')):.4f}, "
              f"SSIM {metrics.get('val_ssim', float('nan')):.3f}, "
              f"PSNR {metrics.get('val_psnr', float('nan')):.2f} dB")
        if result.model_path.is_file():  # never name a file that was not written
            print(f"weights: {result.model_path}")
        if result.onnx is not None:
            print(f"ONNX twin: {result.onnx}")
    return 0
