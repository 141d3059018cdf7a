"""Shared fixtures. pytest-qgis starts one QgsApplication (offscreen) for the session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import support

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
SARDINE = Path(sys.executable).parent / "sardine"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600,
            check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed ``sardine`` console script as a user would."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([str(SARDINE), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"sardine {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def one_torch_thread():
    """Two shared cores: a second intra-op thread mostly spins waiting (10x slower here)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def weights(tmp_path_factory) -> Path:
    return support.save_tiny(tmp_path_factory.mktemp("weights") / "tiny-late.safetensors")


@pytest.fixture(scope="session")
def weights_sar_only(tmp_path_factory) -> Path:
    return support.save_tiny(tmp_path_factory.mktemp("weights") / "tiny-sar.safetensors",
                             "sardinet")
