"""The report writer: Table 1 cells, bold best values, mean ± std, CSV and JSON edge cases."""
from __future__ import annotations

import csv
import io
import json
import math

from sardine.training.evaluation.report import (
    COLUMNS,
    best_rows,
    csv_text,
    format_cell,
    markdown_table,
    write_reports,
)


def _row(model, mse, ssim, fid=math.nan, enhancement="none"):
    metrics = {region: {"mse": mse, "ssim": ssim, "psnr": -10 * math.log10(mse),
                        "pixels": 100} for region in ("global", "foreshortening",
                                                      "non_distorted", "shadow")}
    metrics["global"]["fid"] = fid
    return {"model": model, "enhancement": enhancement, "metrics": metrics}


def test_cells_use_the_paper_scale_and_mean_std():
    assert format_cell("mse", 0.0580) == "5.80"
    assert format_cell("ssim", 0.61234) == "0.612"
    assert format_cell("mse", {"mean": 0.0585, "std": 0.0003, "values": []}) == "5.85 ± 0.03"
    assert format_cell("psnr", math.nan) == "n/a"
    assert format_cell("psnr", math.inf) == "inf"
    assert format_cell("fid", None) == "n/a"


def test_best_is_lowest_error_and_highest_similarity():
    rows = [_row("a", 0.06, 0.5, fid=40.0), _row("b", 0.05, 0.4, fid=30.0),
            _row("c", 0.05, 0.6)]
    assert best_rows(rows, "global", "mse") == {1, 2}  # a tie: both bold
    assert best_rows(rows, "global", "ssim") == {2}
    assert best_rows(rows, "global", "psnr") == {1, 2}
    assert best_rows(rows, "global", "fid") == {1}
    table = markdown_table(rows)
    lines = table.splitlines()
    assert len(lines) == 5 and lines[0].count("|") == len(COLUMNS) + 2
    assert "| a | 6.00 |" in table and "**30.00**" in table
    assert "| c | **5.00** | **0.600** |" in table


def test_csv_and_json_are_complete_and_loadable(tmp_path):
    rows = [_row("a", 0.06, 0.5), _row("a", 0.05, 0.55, enhancement="wiener")]
    rows[0]["metrics"]["shadow"]["psnr"] = math.inf
    lines = list(csv.DictReader(io.StringIO(csv_text(rows))))
    assert [r["enhancement"] for r in lines] == ["none", "wiener"]
    assert lines[0]["global_fid"] == "" and float(lines[1]["shadow_mse"]) == 0.05
    assert lines[0]["shadow_psnr"] == "inf"
    report = {"rows": rows}
    paths = write_reports(tmp_path, report, markdown_table(rows))
    loaded = json.loads(paths["json"].read_text())  # strict JSON: no NaN/Infinity literals
    assert loaded["rows"][0]["metrics"]["global"]["fid"] is None
    assert loaded["rows"][0]["metrics"]["shadow"]["psnr"] == "inf"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "report.json",
                                                           "report.md"]
