"""The dependency installer builds the right pip command for the Python QGIS runs (no
network: only the command is checked), and the dock's hint names it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sardine.processing import dependencies, installer

PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return path


def test_linux_qgis_binary_is_not_the_python(tmp_path):
    python = _touch(tmp_path / "usr" / "bin" / PY)
    found = installer.qgis_python(executable="/usr/bin/qgis", prefix=str(tmp_path / "usr"),
                                  exec_prefix=str(tmp_path / "usr"), platform="linux")
    assert found == str(python)
    assert installer.qgis_python(executable="/opt/venv/bin/python3",
                                 platform="linux") == "/opt/venv/bin/python3"
    assert installer.qgis_python(executable="/usr/bin/qgis", prefix=str(tmp_path / "none"),
                                 exec_prefix=str(tmp_path / "none"),
                                 platform="linux") == "python3"


def test_windows_and_macos_use_the_python_bundled_with_qgis(tmp_path):
    osgeo = tmp_path / "OSGeo4W" / "apps" / "Python312"
    python = _touch(osgeo / "python.exe")
    found = installer.qgis_python(executable=str(tmp_path / "OSGeo4W" / "bin" / "qgis-bin.exe"),
                                  prefix=str(osgeo), exec_prefix=str(osgeo), platform="win32")
    assert found == str(python)
    app = tmp_path / "QGIS.app" / "Contents"
    python = _touch(app / "MacOS" / "bin" / "python3")
    found = installer.qgis_python(executable=str(app / "MacOS" / "QGIS"),
                                  prefix=str(app / "Frameworks"),
                                  exec_prefix=str(app / "Frameworks"), platform="darwin")
    assert found == str(python)


def test_translation_only_installs_onnxruntime_pinned_into_the_profile(tmp_path):
    plan = installer.plan_install("translate", tmp_path / "profile", python="/q/python3")
    command = plan.command()
    assert command[:4] == ["/q/python3", "-m", "pip", "install"]
    target = command[command.index("--target") + 1]
    assert Path(target).parent == tmp_path / "profile" / "python" / "sardine-packages"
    assert "--no-deps" in command and "--user" not in command
    assert "--break-system-packages" not in command  # --target never touches the system
    requirements = [a for a in command if "==" in a]
    assert "onnxruntime==1.23.2" in requirements
    assert all("==" in r for r in plan.requirements)  # everything pinned
    assert not any(r.startswith(("torch", "numpy", "gdal")) for r in requirements)
    assert "--index-url" not in command


@pytest.mark.parametrize("nvidia,index", [(False, installer.TORCH_CPU_INDEX), (True, None)])
def test_torch_comes_from_the_cpu_index_unless_an_nvidia_driver_is_present(tmp_path, nvidia,
                                                                           index):
    plan = installer.plan_install("torch", tmp_path, python="python3", nvidia=nvidia)
    command = plan.command()
    assert "torch==2.13.0" in command and "safetensors==0.8.0" in command
    assert not any(a.startswith("numpy") for a in command)  # QGIS's numpy (and GDAL) stay
    if sys.platform != "darwin":
        assert (command[command.index("--index-url") + 1] if "--index-url" in command
                else None) == index


def test_missing_base_packages_are_added_pinned(tmp_path):
    plan = installer.plan_install("translate", tmp_path, missing_base=("scipy",),
                                  python="python3")
    assert "scipy==1.11.4" in plan.requirements and "onnxruntime==1.23.2" in plan.requirements


def test_shell_command_quotes_paths_and_the_plugin_path_is_appended(tmp_path, monkeypatch):
    plan = installer.plan_install("translate", tmp_path / "my profile", python="/q/python3")
    assert f"'{plan.target}'" in plan.shell()
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert installer.add_to_path(tmp_path / "my profile") is None  # nothing installed yet
    plan.target.mkdir(parents=True)
    assert installer.add_to_path(tmp_path / "my profile") == plan.target
    assert sys.path[-1] == str(plan.target)  # after QGIS's own folders
    env = installer.child_environment({"PYTHONPATH": "/qgis/python", "HOME": "/h"})
    assert "PYTHONPATH" not in env and env["PYTHONNOUSERSITE"] == "1"


def test_dock_hint_names_the_command_for_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(dependencies, "profile_dir", lambda: tmp_path)
    monkeypatch.setattr(installer, "qgis_python", lambda: "/q/python3")
    missing = [dependencies.MissingPackage("onnxruntime", "onnxruntime==1.23.2", "absent")]
    message = dependencies.missing_message(missing)
    command = dependencies.install_command(missing)
    assert command in message and "Install" in message
    assert "onnxruntime==1.23.2" in command and "torch" not in command
    torch = [dependencies.MissingPackage("torch", "torch==2.13.0", "absent")]
    assert "torch==2.13.0" in dependencies.install_command(torch)


def test_torch_is_not_needed_when_onnxruntime_imports(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    assert [m.name for m in dependencies.missing_packages()] == []
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert [m.name for m in dependencies.missing_packages()] == ["onnxruntime"]


WHEELHOUSE = os.environ.get("SARDINE_WHEELHOUSE", "")
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(not (WHEELHOUSE and Path(SYSTEM_PYTHON).is_file()),
                    reason="needs SARDINE_WHEELHOUSE (the pinned wheels; tests use no network)")
def test_install_keeps_qgis_numpy_and_gdal(tmp_path):
    """The real command, from local wheels, for Debian's Python (QGIS's): ONNX Runtime runs
    on the system numpy, and ``osgeo.gdal_array`` still imports."""
    plan = installer.plan_install("translate", tmp_path, python=SYSTEM_PYTHON)
    command = plan.command() + ["--no-index", "--find-links", WHEELHOUSE]
    env = installer.child_environment()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    check = ("import sys; sys.path.append(sys.argv[1]); import numpy; "
             "from osgeo import gdal_array; import onnxruntime; "
             "assert numpy.__file__.startswith('/usr/'), numpy.__file__; "
             "gdal_array.OpenArray(numpy.zeros((2, 2), 'uint8'))")
    subprocess.run([SYSTEM_PYTHON, "-c", check, str(plan.target)], env=env, check=True,
                   timeout=120)
