"""``sardine bench``: model, I/O and whole-pipeline throughput, peak memory at two sizes and
a training step on this machine; a summary table on stdout, everything as JSON on --json."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ...core.onnx_engines import ONNX_ENGINES

NAME = "bench"
HELP = "measure translation speed against the model's and the I/O's own limits, and memory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="where the model runs (default cpu)")
    parser.add_argument("--model", default="sardinet-late",
                        help="registered model name, random weights (default sardinet-late)")
    parser.add_argument("--size", type=int, default=None, metavar="N",
                        help="side of the larger test raster (default 4096 on CPU, 16384 on "
                             "CUDA; 1024 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="small rasters and a half-width model: under 2 minutes on 2 cores")
    parser.add_argument("--compile", action="store_true",
                        help="torch.compile the model, as `sardine translate --compile`")
    parser.add_argument("--no-onnx", action="store_true",
                        help="skip the ONNX Runtime figures (measured on CPU by default when "
                             "onnx and onnxruntime are installed)")
    parser.add_argument("--no-train", action="store_true",
                        help="skip the training step (minutes at published widths on a CPU)")
    parser.add_argument("--no-change", action="store_true",
                        help="skip the change view and trust layer timings")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # test suite
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="write every figure and the machine's facts to FILE")


def _table(result: dict[str, Any]) -> list[str]:
    setup, machine = result["setup"], result["machine"]
    small, large = setup["sizes"]
    rows = [
        ("model", f"{setup['model']} ({setup['model_widths']} widths, "
                  f"{setup['parameters'] / 1e6:.2f} M parameters), tile {setup['tile']}, "
                  f"overlap {setup['overlap']}, batch {setup['batch']}"),
        ("machine", f"{machine['cpu']}, {machine['usable_cores']} cores, GPU {machine['gpu']}, "
                    f"torch {machine['torch']}, load {machine.get('load_average_start')}"),
        ("model_mp_per_s", f"{result['model_mp_per_s']:.3f}  (x (T-O)^2/T^2 = "
                           f"{result['model_limit_mp_per_s']:.3f})"),
        ("io_mp_per_s", f"{result['io_mp_per_s']:.3f}  ({large}^2, identity model)"),
        ("translate_mp_per_s", f"{result['translate_mp_per_s']:.3f}  ({large}^2)"),
        ("efficiency", f"{result['efficiency']:.3f}  (bound by {result['bound_by']}; "
                       f"{result['efficiency_vs_tiles']:.3f} against the "
                       f"{result['tiling_overhead']:.3f}x tiles this size needs)"),
        ("peak_rss_mb", f"{result['peak_rss_mb'][str(small)]:.0f} at {small}^2, "
                        f"{result['peak_rss_mb'][str(large)]:.0f} at {large}^2"),
        ("memory_growth", f"{result['memory_growth']:.3f}  (tiles per block: "
                          f"{result['tiles_per_block'][str(small)]} at {small}^2, "
                          f"{result['tiles_per_block'][str(large)]} at {large}^2)"),
        ("train_samples_per_s", "not measured (--no-train)"
         if result["train_samples_per_s"] is None else
         f"{result['train_samples_per_s']:.3f}  (batch {setup['train_batch']} x "
         f"{setup['train_patch']}^2)"),
        *_change_rows(result.get("change")),
        ("bench_seconds", f"{result['bench_seconds']:.0f}"),
    ]
    rows[-1:-1] = _onnx_rows(result.get("onnxruntime"), large)
    rows[-1:-1] = _engine_rows(result, large)
    width = max(len(name) for name, _ in rows)
    return [f"{name:<{width}}  {value}" for name, value in rows]


def _change_rows(change: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not change:
        return []
    median, size = change["median"], change["size"]
    return [("change_ratio", f"{change['change_ratio']:.2f}  (run_change {median['change']:.2f} s"
                             f" / translate {median['translate']:.2f} s at {size}^2, median "
                             f"of {change['repeats']}, {change['weights']} on "
                             f"{change['runtime']}; CPU time "
                             f"{change['change_cpu_ratio']:.2f}; target <= "
                             f"{change['change_target']:g})"),
            ("trust_ratio", f"{change['trust_ratio']:.2f}  (translate --trust-out "
                            f"{median['translate_trust']:.2f} s; CPU time "
                            f"{change['trust_cpu_ratio']:.2f}; target <= "
                            f"{change['trust_target']:g})")]


def _onnx_rows(ort: dict[str, Any] | None, large: int) -> list[tuple[str, str]]:
    if not ort:
        return []
    quality = ort["int8_quality"]
    cost = (f"; sample scene vs float32: mean |diff| "
            f"{quality['int8_vs_fp32']['mean_abs_dn']:.2f} DN, PSNR "
            f"{quality['int8_vs_fp32']['psnr_db']:.1f} dB" if quality else "")
    options = ", ".join(f"{k} {v:.3f}" for k, v in ort["options_model_mp_per_s"].items())
    return [
        ("ort model_mp_per_s", f"{ort['model_mp_per_s']:.3f}  ({ort['speedup_model']:.2f}x "
                               f"PyTorch; max |diff| {ort['max_abs_diff_vs_torch']:.1e})"),
        ("ort translate_mp_per_s", f"{ort['translate_mp_per_s']:.3f}  ({large}^2, "
                                   f"{ort['speedup_translate']:.2f}x PyTorch)"),
        ("ort peak_rss_mb", ", ".join(f"{v:.0f} at {k}^2"
                                      for k, v in ort["peak_rss_mb"].items())),
        ("ort options", options),
        ("ort int8", f"{ort['int8_model_mp_per_s']:.3f} MP/s{cost}"),
    ]


def _engine_rows(result: dict[str, Any], large: int) -> list[tuple[str, str]]:
    """OpenVINO on the bench model, and every runtime on the bundled weights."""
    rows = []
    for runtime in ONNX_ENGINES:
        figures = result.get(runtime) if runtime != "onnxruntime" else None
        if figures:
            rows += [(f"{runtime} model_mp_per_s", f"{figures['model_mp_per_s']:.3f}  "
                      f"({figures['speedup_model']:.2f}x PyTorch)"),
                     (f"{runtime} translate_mp_per_s", f"{figures['translate_mp_per_s']:.3f}  "
                      f"({large}^2, {figures['speedup_translate']:.2f}x PyTorch)")]
    bundled = result.get("bundled")
    if bundled:
        for key, label in (("speedup_model", "model alone"),
                           ("speedup_translate", "sample scene")):
            rows.append((f"bundled {label}", ", ".join(
                f"{k} {v:.2f}x" for k, v in bundled[key].items() if k != "torch")
                + f"  (vs PyTorch; {bundled['model']})"))
    return rows


def run(args: argparse.Namespace) -> int:
    from ...core.atomic import atomic_output, check_output_path
    from ...training.bench.run import BenchOptions, run_bench

    start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    json_path = check_output_path(args.json) if args.json is not None else None
    result = run_bench(BenchOptions(device=args.device, model=args.model, size=args.size,
                                    quick=args.quick, tiny=args.tiny, compile=args.compile,
                                    onnx=not args.no_onnx, train=not args.no_train,
                                    change=not args.no_change,
                                    log=log))
    for line in _table(result):
        print(line)
    if json_path is not None:
        with atomic_output(json_path) as tmp:
            tmp.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {json_path}")
    return 0
