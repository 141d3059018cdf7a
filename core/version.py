"""The version lives in metadata.txt only, so QGIS and pip can never disagree."""
from __future__ import annotations

import configparser
from functools import lru_cache
from pathlib import Path

METADATA_PATH = Path(__file__).resolve().parent.parent / "metadata.txt"


@lru_cache(maxsize=1)
def read_version() -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(METADATA_PATH, encoding="utf-8")
    return parser["general"]["version"].strip()


__version__ = read_version()
