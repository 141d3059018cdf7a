"""``sardine calibrate``: re-measure the real statistics the simulator is calibrated on."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.errors import InputError

NAME = "calibrate"
HELP = ("measure per land-cover class backscatter, speckle and colour statistics (and the "
        "colour gamut) of real BigEarthNet v2 pairs; optionally plot real vs simulated")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path,
                        help="JSON file to write (the simulator reads "
                             "resources/simulator/real_statistics.json)")
    parser.add_argument("--data", default=None,
                        help="BigEarthNet v2 folder (metadata.parquet + BigEarthNet-V2-LMDB/); "
                             "default: the configilm wheel's 24 pairs")
    parser.add_argument("--figure", type=Path, default=None,
                        help="also write a PNG comparing real and simulated pairs per class "
                             "(the simulator as currently calibrated)")
    parser.add_argument("--scenes", type=int, default=2,
                        help="simulated scenes for the figure (default 2, 512 x 512)")


def run(args: argparse.Namespace) -> int:
    import json

    from ...core.atomic import check_output_path
    from ...training.simulate.calibrate import measure_real_statistics, write_statistics
    from ..progress import cli_feedback

    if args.out.is_dir() or (args.figure is not None and args.figure.is_dir()):
        raise InputError("--out and --figure take file names, not folders.")
    if args.scenes < 1:
        raise InputError("--scenes must be at least 1.")
    for path in (args.out, args.figure):  # writable, before minutes of measuring
        if path is not None:
            check_output_path(path)
    with cli_feedback("calibrate") as feedback:
        table = measure_real_statistics(args.data, feedback)
    path = write_statistics(table, args.out)
    for name, row in table["classes"].items():
        print(f"{name:7s} {row['pixels']:7d} px  VV {row['vv_db_mean']:6.2f} "
              f"(sd {row['vv_db_std']:.2f}, ENL {row['vv_enl']})  VH {row['vh_db_mean']:6.2f} "
              f"(sd {row['vh_db_std']:.2f}, ENL {row['vh_enl']})  "
              f"RGB {json.dumps(row['rgb_mean'])}")
    print(f"gamut: {table['gamut']['cells']} of {table['gamut']['levels'] ** 3} cells")
    print(f"wrote {path}")
    if args.figure is not None:
        from ...training.simulate.calibrate import calibration_figure

        print(f"wrote {calibration_figure(args.data, args.figure, args.scenes)}")
    return 0
