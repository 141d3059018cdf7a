"""Cancelling any way a user or the system can: SIGTERM/SIGHUP mid-write, Ctrl-C, SIGTERM
or SIGHUP while the command is still starting, a cancelled dataset run. Each leaves exit
status 130, one line, and nothing in the output folder (the bad-input cases that run in
this process are in test_bad_inputs.py)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SARDINE
from support import env_no_bytecode, make_scene, one_line, save_tiny, snapshot


@pytest.fixture(scope="module")
def big_scene(tmp_path_factory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("signals")
    sar, dem = make_scene(d, 192)
    return sar, dem, save_tiny(d / "w.safetensors")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_terminating_signal_cancels_and_cleans_up(big_scene, tmp_path, sig):
    sar, dem, weights = big_scene
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(sar.parent)
    proc = subprocess.Popen(
        [str(SARDINE), "translate", "--sar", str(sar), "--dem", str(dem), "--model",
         str(weights), "--out", str(out / "o.tif"), "--tile", "64", "--overlap", "16",
         "--batch", "1", "--device", "cpu", "--enhance", "laplacian"], cwd=out,
        env=env_no_bytecode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".pass1.tif") for p in out.iterdir()) \
            and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the scratch file appears once tiles are being written
    proc.send_signal(getattr(signal, sig))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Cancelled" in one_line(stderr)
    assert list(out.iterdir()) == []
    assert snapshot(sar.parent) == before


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_cancel_while_starting(tmp_path, sig):
    """Also inside the hugepages re-exec, where Python's own handlers are not yet set."""
    proc = subprocess.Popen([str(SARDINE), "translate", "--sar", str(tmp_path / "s.tif"),
                             "--model", "x", "--out", str(tmp_path / "o.tif")], cwd=tmp_path,
                            env=env_no_bytecode(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.4)  # inside the imports (torch, GDAL) that take seconds
    proc.send_signal(getattr(signal, sig))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode in (130, 1), stderr  # 1 only if it had already refused
    one_line(stderr)
    assert list(tmp_path.iterdir()) == []


def test_cancelled_dataset_run_leaves_no_patch(tmp_path, monkeypatch):
    """``simulate-dataset`` cancelled after some patches: they go, and the folders it made."""
    from sardine.training.simulate import dataset

    written = []

    def cancelled_after_three(scene, paths, window):
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(paths)
        real(scene, paths, window)

    real = dataset.write_layers
    monkeypatch.setattr(dataset, "write_layers", cancelled_after_three)
    with pytest.raises(KeyboardInterrupt):
        dataset.simulate_dataset(tmp_path / "sd", 8, patch=16, size=64)
    assert len(written) == 3 and list(tmp_path.iterdir()) == []


def test_a_cancel_inside_an_unraisable_callback_is_not_lost(tmp_path):
    """A KeyboardInterrupt raised where Python cannot raise (a weakref callback, as a SIGHUP
    landing in an import's module-lock callback) is delivered again, without a traceback,
    instead of being dropped."""
    script = tmp_path / "run.py"
    script.write_text(
        "import weakref\n"
        "from sardine.cli.signals import forward_termination_to_sigint\n"
        "forward_termination_to_sigint()\n"
        "class Thing: pass\n"
        "def callback(ref): raise KeyboardInterrupt\n"
        "thing = Thing(); ref = weakref.ref(thing, callback)\n"
        "try:\n"
        "    del thing\n"
        "    import time\n"
        "    time.sleep(5)  # the cancel comes back a moment later, from another thread\n"
        "    print('not cancelled')\n"
        "except KeyboardInterrupt:\n"
        "    print('cancelled')\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=env_no_bytecode())
    assert proc.stdout.strip() == "cancelled", proc.stderr
    assert "Traceback" not in proc.stderr and "ignored" not in proc.stderr, proc.stderr
