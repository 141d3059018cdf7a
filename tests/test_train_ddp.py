"""DistributedDataParallel through torchrun: 2 CPU processes with the gloo backend."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

from sardine.core.weights import load_weights
from support import write_patch_folder

TINY = {"conditioning_widths": [8, 16], "encoder_widths": [16, 32], "decoder_widths": [16, 8]}


def test_torchrun_two_cpu_processes(tmp_path):
    data = write_patch_folder(tmp_path / "data", count=10, size=32)
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
         "2", "-m", "sardine.training", "--data", str(data), "--out", str(out),
         "--model", "sardinet-late", "--epochs", "2", "--batch", "2", "--lr", "1e-3",
         "--device", "cpu", "--config", json.dumps(TINY)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == 2
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    model, meta = load_weights(out / "model.safetensors")
    assert meta.model == "sardinet-late"
    assert "[rank 1]" not in proc.stderr.replace("WARNING", "")  # only rank 0 reports
