"""The package, the version's single source, the CLI entry point, the layering rule."""
from __future__ import annotations

import ast
import configparser
import zipfile
from pathlib import Path

from conftest import ROOT, SARDINE, run_cli


def metadata_version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt")
    return parser["general"]["version"]


def test_version_matches_metadata(tmp_path):
    proc = run_cli("--version", cwd=tmp_path, check=True)
    assert proc.stdout.strip() == f"sardine {metadata_version()}"
    assert SARDINE.exists()


def test_metadata_complete():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "metadata.txt")
    general = parser["general"]
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author",
                "email", "repository", "tracker", "tags", "category", "icon",
                "hasProcessingProvider", "experimental", "changelog"):
        assert general.get(key, "").strip(), key
    assert general["name"] == "Sardine"
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["category"] == "Raster"
    assert general["hasProcessingProvider"] == "yes"
    assert (ROOT / general["icon"]).is_file()


def test_help_lists_commands(tmp_path):
    proc = run_cli("--help", cwd=tmp_path, check=True)
    assert "version" in proc.stdout
    assert list(tmp_path.iterdir()) == [], "the CLI must not write into the working directory"


def test_unknown_command_fails_cleanly(tmp_path):
    proc = run_cli("no-such-command", cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_training_cli_never_import_qgis():
    offenders = []
    for folder in ("core", "training", "cli"):
        for path in (ROOT / folder).rglob("*.py"):
            if "qgis" in _imports(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_package_zip(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    (zip_path,) = tmp_path.glob("sardine-*.zip")
    names = zipfile.ZipFile(zip_path).namelist()
    assert all(n.startswith("sardine/") for n in names)
    for required in ("sardine/metadata.txt", "sardine/__init__.py", "sardine/plugin.py"):
        assert required in names
    assert not [n for n in names if n.startswith(("sardine/tests/", "sardine/.venv/"))
                or "__pycache__" in n or n.endswith(".pyc")]
