"""What ``--dem`` may name for the simulator: a DEM file, ``generated`` mountains, or
``jacksboro``, the real DEM that ships with matplotlib.

Why keywords: the bundled weights were trained on a mix of generated and real terrain, and a
user repeating that should need one command, not a hand-merged folder or a Python snippet to
extract matplotlib's DEM first.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from ...core.errors import InputError
from .real_dem import write_sample_dem

GENERATED = "generated"
JACKSBORO = "jacksboro"
KEYWORDS = (GENERATED, JACKSBORO)


def describe(source: Path | None, sample: Path | None) -> str | None:
    """How a source is recorded in dataset.json (never a temporary path)."""
    if source is None:
        return None
    if sample is not None and source == sample:
        return "jacksboro (matplotlib's jacksboro_fault_dem.npz, UTM 16N, 30 m)"
    return str(source)


@contextmanager
def terrain_sources(tokens: Sequence[str | os.PathLike] | None
                    ) -> Iterator[tuple[list[Path | None], Path | None]]:
    """Resolve ``--dem`` tokens to DEM paths (None = generated terrain), in order.

    Yields the list and the temporary Jacksboro GeoTIFF (or None); the file lives only as
    long as the context, so nothing is left beside the user's data.
    """
    tokens = list(tokens or [GENERATED])
    with TemporaryDirectory(prefix="sardine-dem-") as tmp:
        sample: Path | None = None
        sources: list[Path | None] = []
        for token in tokens:
            word = str(token).strip().lower()
            if word == GENERATED:
                sources.append(None)
            elif word == JACKSBORO:
                if sample is None:
                    sample = write_sample_dem(Path(tmp) / "jacksboro.tif")
                sources.append(sample)
            else:
                path = Path(token).expanduser()
                if not path.is_file():
                    raise InputError(f"The DEM {path} does not exist; check the --dem path, or "
                                     f"use the words {' or '.join(KEYWORDS)}.")
                sources.append(path)
        yield sources, sample
