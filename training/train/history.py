"""history.csv: one row per epoch (train loss terms, validation L1/MSE/SSIM/PSNR, seconds).

Rewritten whole (atomically) after each epoch so a crash never leaves half a line, and a
resumed run drops rows after the epoch it resumes from.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from ...core.atomic import atomic_output

FIXED = ("epoch",)
TAIL = ("val_l1", "val_mse", "val_ssim", "val_psnr", "lr", "seconds")


def columns(rows: list[dict]) -> list[str]:
    train = sorted({k for row in rows for k in row if k.startswith("train_")})
    return [*FIXED, *train, *TAIL]


def write_history(rows: list[dict], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(rows), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _fmt(row.get(k, math.nan)) for k in writer.fieldnames})
    with atomic_output(path) as tmp:
        tmp.write_text(buffer.getvalue())


def read_history(path: Path, up_to_epoch: int) -> list[dict]:
    """Rows of epochs 1..up_to_epoch (for --resume); empty when the file is missing."""
    if not path.exists():
        return []
    rows = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            parsed = {k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()}
            if parsed["epoch"] <= up_to_epoch:
                rows.append(parsed)
    return rows


def _fmt(value) -> str:
    if isinstance(value, int):
        return str(value)
    return repr(float(value))
