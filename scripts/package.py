"""Build the zip QGIS's "Install from ZIP" accepts: one top folder ``sardine``.

Only tracked plugin files go in: no tests, caches, virtual environment or docs.
"""
from __future__ import annotations

import argparse
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCLUDED_TOP = {"tests", "scripts", "docs", ".ci", ".github", ".gitignore", "Makefile",
                "pyproject.toml", "requirements.txt", "DEVELOPERS.md"}


def plugin_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, check=True, capture_output=True).stdout.decode()
    files = []
    for name in filter(None, out.split("\0")):
        path = Path(name)
        if path.parts[0] in EXCLUDED_TOP or "__pycache__" in path.parts:
            continue
        if (ROOT / path).is_file():
            files.append(path)
    return sorted(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="dist", help="output folder")
    args = parser.parse_args()
    version = (ROOT / "metadata.txt").read_text().split("version=")[1].split()[0]
    out_dir = (ROOT / args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"sardine-{version}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in plugin_files():
            zf.write(ROOT / path, f"sardine/{path.as_posix()}")
    tmp.replace(target)
    print(target)  # noqa: T201 (the path is the script's output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
