"""Outputs: stale temporaries of dead (or id-reusing) processes are removed, live ones kept;
the output lock; the writability probe leaves nothing behind."""
from __future__ import annotations

import os

import pytest
from sardine.core.atomic import (
    atomic_output,
    check_output_path,
    folder_made_for_run,
    remove_stale,
)
from sardine.core.errors import InputError
from sardine.core.process import process_alive


def test_process_alive_sees_id_reuse():
    parent = os.getppid()
    assert process_alive(parent, since=4e9)  # a file written after the process started
    assert not process_alive(parent, since=0.0)  # older than the process: not its writer


def test_remove_stale_keeps_live_and_foreign_files(tmp_path):
    live = tmp_path / f".o.{os.getppid()}-abcdefgh.part.tif"
    reused = tmp_path / f".p.{os.getppid()}-abcdefgh.pass1.tif"
    foreign = tmp_path / ".o.part.tif"
    for path in (live, reused, foreign):
        path.write_text("x")
    os.utime(reused, (0, 0))  # written long before the process now holding that id
    assert remove_stale(tmp_path) == [reused]
    assert live.exists() and foreign.exists()


def test_probe_and_lock_leave_nothing(tmp_path):
    out = check_output_path(tmp_path / "o.tif")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(out) as tmp:
        tmp.write_text("data")
        assert (tmp_path / ".o.tif.sardine-lock").read_text() == str(os.getpid())
    assert [p.name for p in tmp_path.iterdir()] == ["o.tif"]
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "q.tif") as tmp:
        tmp.write_text("half")
        raise RuntimeError("fails")
    assert [p.name for p in tmp_path.iterdir()] == ["o.tif"]


def test_output_name_too_long(tmp_path):
    with pytest.raises(InputError, match="longer than the file system"):
        check_output_path(tmp_path / ("n" * 400 + ".tif"))


def test_folders_made_for_a_failed_run_are_removed(tmp_path):
    with pytest.raises(RuntimeError), folder_made_for_run(tmp_path / "a" / "b") as out:
        (out / "sar").mkdir()
        raise RuntimeError("fails")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KeyboardInterrupt), folder_made_for_run(tmp_path / "c") as out:
        (out / "done.tif").write_text("a finished output")  # kept, with its folder
        (out / "empty").mkdir()
        raise KeyboardInterrupt
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "c", "c/done.tif"]
