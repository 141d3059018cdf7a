"""``torchrun --nproc-per-node N -m sardine.training --data DIR --out RUN ...``: the same
options as ``sardine train``, run once per process; DDP is set up from torchrun's
environment (see ddp.py). Only rank 0 prints and writes."""
from __future__ import annotations

import argparse
import logging
import os
import sys

from ..core.errors import SardineError
from ..core.feedback import Feedback
from .train.args import add_arguments, config_from_args
from .train.trainer import train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sardine.training",
                                     description="Train a Sardine model (DDP under torchrun).")
    add_arguments(parser)
    args = parser.parse_args(argv)
    rank = int(os.environ.get("RANK", "0"))
    logging.basicConfig(level=logging.INFO if rank == 0 else logging.WARNING,
                        format=f"[rank {rank}] %(levelname)s: %(message)s")
    log = logging.getLogger("sardine")
    try:
        result = train(config_from_args(args), Feedback(on_info=log.info),
                       progress_bars=rank == 0 and sys.stderr.isatty())
    except SardineError as exc:
        sys.stderr.write(f"sardine.training: error: {exc}\n")
        return 1
    if rank == 0:
        log.info("best epoch %d (val L1 %.4f): %s", result.best_epoch, result.best_val_l1,
                 result.model_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
