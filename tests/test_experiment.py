"""``sardine experiment``: every model x seed trained and evaluated, mean ± std reported,
and a second call skips finished runs (and resumes an interrupted one)."""
from __future__ import annotations

import json

from conftest import run_cli
from sardine.training.evaluation.metrics import REGIONS
from support import EVAL_TINY, make_dataset


def _experiment(data, out, cwd, *extra):
    config = {"train": {"batch": 4, "device": "cpu", "previews": 0, "amp": False},
              "models": {"sardinet": EVAL_TINY["sardinet"]}}
    return run_cli("experiment", "--data", str(data), "--models", "sardinet", "--seeds", "2",
                   "--epochs", "1", "--config", json.dumps(config), "--out", str(out), *extra,
                   cwd=cwd)


def test_experiment_reports_mean_std_and_resumes(tmp_path):
    data = make_dataset(tmp_path / "data", count=10)
    out = tmp_path / "exp"
    work = tmp_path / "cwd"
    work.mkdir()
    proc = _experiment(data, out, work, "--enhance", "none,laplacian")
    assert proc.returncode == 0, proc.stderr
    assert list(work.iterdir()) == []
    for name in ("report.json", "report.csv", "report.md", "figure.png", "split.json",
                 "experiment.json"):
        assert (out / name).is_file(), name
    report = json.loads((out / "report.json").read_text())
    assert report["kind"] == "experiment"
    rows = report["rows"]
    assert [(r["model"], r["enhancement"]) for r in rows] == [("sardinet", "none"),
                                                             ("sardinet", "laplacian")]
    row = rows[0]
    assert row["seeds"] == 2 and row["parameters"] > 0
    assert row["train_seconds"]["mean"] > 0
    for region in REGIONS:
        cell = row["metrics"][region]["mse"]
        assert len(cell["values"]) == 2 and cell["std"] is not None
    md = (out / "report.md").read_text()
    assert "±" in md and "## Models" in md and "Mean ± sample std over 2 seed(s)" in md
    # The constant-colour yardstick sits in Table 1 and in the printed table.
    assert report["reference"]["model"] == "mean colour (reference)"
    assert "*mean colour (reference)*" in md and "mean colour (reference)" in proc.stdout

    runs = [out / "runs" / "sardinet" / f"seed{s}" for s in (0, 1)]
    stamps = [(r / "model.safetensors").stat().st_mtime_ns for r in runs]
    # An interrupted run (no summary yet) is resumed from its state, not retrained.
    (runs[1] / "run_summary.json").unlink()
    again = _experiment(data, out, work, "--enhance", "none,laplacian")
    assert again.returncode == 0, again.stderr
    assert [(r / "model.safetensors").stat().st_mtime_ns for r in runs] == stamps
    assert json.loads((runs[1] / "run_summary.json").read_text())["resumed"] is True
    assert json.loads((out / "report.json").read_text())["rows"][0]["metrics"] == \
        row["metrics"]
