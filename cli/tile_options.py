"""``--tile`` and ``--overlap`` of the translating commands, defined once."""
from __future__ import annotations

import argparse

from ..core.translate.params import ONNX_TILE, TORCH_TILE, default


def add_tile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tile", type=int, default=default("tile"),
                        help="tile size in pixels; 0 = automatic: the runtime's own, "
                             f"{TORCH_TILE} with PyTorch, {ONNX_TILE} with OpenVINO and ONNX "
                             f"Runtime, which run larger tiles faster ({default('tile')})")
    parser.add_argument("--overlap", type=int, default=default("overlap"),
                        help="overlap between tiles in pixels, blended seam-free "
                             f"({default('overlap')})")
