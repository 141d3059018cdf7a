"""``sardine export``: write the ONNX twin of a weights file, checked against PyTorch."""
from __future__ import annotations

import argparse
from pathlib import Path

NAME = "export"
HELP = "export .safetensors weights to ONNX (for ONNX Runtime: faster on CPU, no PyTorch)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", required=True,
                        help="a .safetensors weights file or a bundled model's name")
    parser.add_argument("--out", type=Path, default=None,
                        help="the .onnx file to write (default: beside the weights, .onnx)")
    parser.add_argument("--check-size", type=int, default=0, metavar="PIXELS",
                        help="side of the random tiles the ONNX output is checked on against "
                             "PyTorch (default: small, a size other than the traced one)")


def run(args: argparse.Namespace) -> int:
    from ...core.bundled import resolve_model
    from ...core.errors import MissingDependencyError
    from ...core.translate.runtime import TORCH_HINT

    try:
        from ...training.export_onnx import export_onnx
    except ImportError as exc:
        if exc.name != "torch":
            raise
        raise MissingDependencyError(f"Export reads the weights with PyTorch: {TORCH_HINT}."
                                     ) from None

    report = export_onnx(resolve_model(args.weights), args.out, check_size=args.check_size)
    print(f"wrote {report.path} ({report.size_bytes / 1e6:.1f} MB); ONNX Runtime output "
          f"equals PyTorch's within {report.max_abs_diff:.1e} on a random batch "
          f"{report.checked_shape}")
    return 0
