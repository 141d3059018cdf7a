"""Write an evaluation as report.json, report.csv and report.md (the paper's Table 1).

A *row* is one model (x enhancement) with a ``metrics`` dict ``{region: {metric: value}}``.
A value is a float (one run) or ``{"mean", "std", "values"}`` (several seeds); both render
the same way, so ``sardine evaluate`` and ``sardine experiment`` share this writer.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

from ...core.atomic import atomic_output
from .metrics import REGION_LABELS, REGIONS

METRICS: tuple[str, ...] = ("mse", "ssim", "psnr", "fid")
HIGHER_IS_BETTER = {"mse": False, "ssim": True, "psnr": True, "fid": False}
METRIC_LABELS = {"mse": "MSE (x1e-2)", "ssim": "SSIM", "psnr": "PSNR (dB)", "fid": "FID"}
# FID is a property of a whole image set, so the paper reports it for Global only.
COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (region, metric) for region in REGIONS for metric in METRICS
    if metric != "fid" or region == "global")


def _value(cell: object) -> float:
    """The number a cell ranks by: the value, or the mean over seeds."""
    if isinstance(cell, dict):
        cell = cell.get("mean")
    if cell is None:
        return math.nan
    return float(cell)


def _std(cell: object) -> float | None:
    return float(cell["std"]) if isinstance(cell, dict) and cell.get("std") is not None \
        else None


def format_cell(metric: str, cell: object) -> str:
    """``5.80`` for an MSE of 5.80e-2 (the paper's scale), ``mean ± std`` over seeds."""
    value, std = _value(cell), _std(cell)
    if not math.isfinite(value):
        return "inf" if value == math.inf else "n/a"
    scale, digits = {"mse": (100.0, 2), "ssim": (1.0, 3), "psnr": (1.0, 2),
                     "fid": (1.0, 2)}[metric]
    text = f"{value * scale:.{digits}f}"
    if std is not None and math.isfinite(std):
        text += f" ± {std * scale:.{digits}f}"
    return text


def best_rows(rows: Sequence[dict], region: str, metric: str) -> set[int]:
    """Indices of the rows holding the best value of a column (ties all bold)."""
    values = [_value(r["metrics"].get(region, {}).get(metric)) for r in rows]
    finite = [v for v in values if math.isfinite(v) or v == math.inf]
    if not finite:
        return set()
    best = max(finite) if HIGHER_IS_BETTER[metric] else min(finite)
    scale = 100.0 if metric == "mse" else 1.0
    digits = 3 if metric == "ssim" else 2
    shown = round(best * scale, digits) if math.isfinite(best) else best
    return {i for i, v in enumerate(values)
            if (math.isfinite(v) and round(v * scale, digits) == shown) or v == shown}


def row_label(row: dict) -> str:
    label = str(row["model"])
    if row.get("enhancement", "none") != "none":
        label += f" + {row['enhancement']}"
    return label


def _reference_line(reference: dict) -> str:
    """The constant-colour yardstick, in italics and never bold."""
    cells = [f"*{reference['model']}*"]
    for region, metric in COLUMNS:
        cell = reference["metrics"].get(region, {}).get(metric)
        cells.append(f"*{format_cell(metric, cell)}*")
    return "| " + " | ".join(cells) + " |"


def markdown_table(rows: Sequence[dict], reference: dict | None = None) -> str:
    """Table 1 layout: one row per model, MSE/SSIM/PSNR(/FID) per region, best in bold;
    the reference row, if given, first and outside the ranking."""
    header = ["Model"] + [f"{REGION_LABELS[r]} {METRIC_LABELS[m]}" for r, m in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    if reference is not None:
        lines.append(_reference_line(reference))
    bold = {col: best_rows(rows, *col) for col in COLUMNS}
    for i, row in enumerate(rows):
        cells = [row_label(row)]
        for col in COLUMNS:
            text = format_cell(col[1], row["metrics"].get(col[0], {}).get(col[1]))
            cells.append(f"**{text}**" if i in bold[col] and text != "n/a" else text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def csv_text(rows: Sequence[dict]) -> str:
    """One line per row; ``REGION_METRIC`` columns (and ``_std`` over seeds)."""
    extra = [k for k in ("architecture", "weights", "seeds", "parameters",
                         "conditioning_weights", "train_seconds") if any(k in r for r in rows)]
    has_std = any(_std(r["metrics"].get(reg, {}).get(m)) is not None
                  for r in rows for reg, m in COLUMNS)
    fields = ["model", "enhancement", *extra]
    for region, metric in COLUMNS:
        fields.append(f"{region}_{metric}")
        if has_std:
            fields.append(f"{region}_{metric}_std")
    fields += [f"{region}_pixels" for region in REGIONS]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        line = {"model": row["model"], "enhancement": row.get("enhancement", "none")}
        for key in extra:
            value = row.get(key)
            line[key] = _value(value) if isinstance(value, dict) else value
        for region, metric in COLUMNS:
            cell = row["metrics"].get(region, {}).get(metric)
            value = _value(cell)
            line[f"{region}_{metric}"] = "" if math.isnan(value) else value
            if has_std:
                std = _std(cell)
                line[f"{region}_{metric}_std"] = "" if std is None else std
        for region in REGIONS:
            line[f"{region}_pixels"] = _value(row["metrics"].get(region, {}).get("pixels"))
        writer.writerow(line)
    return buf.getvalue()


def _json_safe(obj: object) -> object:
    """NaN/inf are not JSON: write them as null / "inf" so any reader can load the file."""
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "inf" if obj > 0 else "-inf"
        return obj
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def write_text(path: Path, text: str) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_reports(out_dir: str | os.PathLike, report: dict, markdown: str) -> dict[str, Path]:
    """Write report.json, report.csv and report.md atomically; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "csv": out / "report.csv", "md": out / "report.md"}
    write_text(paths["json"], json.dumps(_json_safe(report), indent=2) + "\n")
    reference = [report["reference"]] if report.get("reference") else []
    write_text(paths["csv"], csv_text(reference + list(report["rows"])))
    write_text(paths["md"], markdown)
    return paths


def _models_table(rows: Sequence[dict]) -> str:
    lines = ["| Model | Parameters | Conditioning weights | Seeds | Training time (s) |",
             "|---|---|---|---|---|"]
    for row in rows:
        if row.get("enhancement", "none") != "none":
            continue
        cond = row.get("conditioning_weights")
        time = row.get("train_seconds")
        time_text = "n/a"
        if time is not None and math.isfinite(_value(time)):
            digits = 1 if _value(time) < 100 else 0
            time_text = f"{_value(time):.{digits}f}"
            if _std(time) is not None:
                time_text += f" ± {_std(time):.{digits}f}"
        lines.append(f"| {row['model']} | {row.get('parameters', 'n/a'):,} | "
                     f"{'n/a' if cond is None else f'{cond:,}'} | {row.get('seeds', 1)} | "
                     f"{time_text} |")
    return "\n".join(lines) + "\n"


def report_markdown(report: dict) -> str:
    """report.md: what was measured and how, Table 1, the enhancement table, the figure."""
    data, fid = report["dataset"], report["fid"]
    rows = report["rows"]
    plain = [r for r in rows if r.get("enhancement", "none") == "none"]
    enhanced = [r for r in rows if r.get("enhancement", "none") != "none"]
    out = [f"# Sardine {report['kind']}", "",
           f"- Data: `{data['root']}` ({data['kind']}), split `{data['split']}`, "
           f"{data['patches']} patches",
           f"- Distortion regions: {data['distortion_source']}; pixels per region: "
           + ", ".join(f"{REGION_LABELS[k]} {v:,}" for k, v in data["pixels"].items()),
           f"- FID: {fid['note']}",
           "- MSE and PSNR on [0, 1] images (MSE shown x1e-2, as in the paper); SSIM with a "
           "Gaussian window (sigma 1.5) averaged over each region's pixels; regions pool the "
           "pixels of all patches. Best value of each column in bold."]
    reference = report.get("reference")
    if reference:
        out.append(f"- Reference row: {reference['note']}; a model that does not beat it has "
                   "not learnt the scene. It is not ranked.")
    if report.get("seeds_note"):
        out.append(f"- {report['seeds_note']}")
    out += ["", "## Table 1", "", markdown_table(plain or rows, reference)]
    if enhanced:
        by_model = [r for r in rows if r["model"] in {e["model"] for e in enhanced}]
        out += ["## Contrast enhancement", "",
                "The same metrics after Laplacian sharpening / Wiener deconvolution of each "
                "translation.", "", markdown_table(by_model)]
    if report.get("realism"):
        from .realism import realism_table

        out += ["## Realism", "", f"{report['realism']['note']}.", "",
                realism_table(rows, report["realism"].get("truth"))]
    if any("parameters" in r for r in rows):
        out += ["## Models", "", _models_table(rows)]
    if report.get("figure"):
        out += ["## Figure", "",
                "SAR [VV, VH, 0], DEM, each model's translation and the optical truth on the "
                "same test patches; yellow outlines foreshortening/layover, cyan shadow.", "",
                f"![comparison]({report['figure']})", ""]
    return "\n".join(out)
