"""The change view's and the trust layer's cost in ``sardine bench``: ``run_change`` and
``translate --trust-out`` timed against one plain translation of the same scene (with the
DEM, no mask), in one process, the three runs alternated ``repeats`` times so a loaded
machine slows all of them alike; the ratios of the medians are the figures (targets: at
most 2.2 for change, 1.5 for trust; docs/CHANGE.md).
"""
from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...core.change import ChangeParams, run_change, translate_with_trust
from ...core.translate import TranslateParams, translate
from .inputs import write_sar

GEOMETRY = {"incidence": 39.0, "heading": 190.0}  # the bench scenes carry no metadata
CHANGE_TARGET = 2.2
TRUST_TARGET = 1.5


def run_change_bench(sar: Path, dem: Path, weights: Path, folder: Path, device: str,
                     tile: int, overlap: int, repeats: int,
                     log: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Seconds of each run (all repeats), medians and the two ratios."""
    post = write_sar(folder / f"post_{sar.name}", _size(sar), seed=1)  # fresh speckle
    common = {"model": str(weights), "device": device, "tile": tile, "overlap": overlap}
    out, trust = folder / "plain.tif", folder / "trust.tif"
    change_dir = folder / "change"

    def plain() -> None:
        translate(TranslateParams(sar_path=sar, dem_path=dem, out_path=out, **common))

    def with_trust() -> None:
        translate_with_trust(TranslateParams(sar_path=sar, dem_path=dem, out_path=out,
                                             **GEOMETRY, **common), trust)

    def change() -> None:
        run_change(ChangeParams(pre_sar=sar, post_sar=post, out_dir=change_dir, dem_path=dem,
                                **GEOMETRY, **common))

    runs = {"translate": plain, "translate_trust": with_trust, "change": change}
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for index in range(repeats):
        for name, call in runs.items():
            log(f"{name} ({index + 1}/{repeats})")
            start = time.perf_counter()
            call()
            seconds[name].append(round(time.perf_counter() - start, 3))
            for path in (out, trust):
                path.unlink(missing_ok=True)
            shutil.rmtree(change_dir, ignore_errors=True)
    post.unlink(missing_ok=True)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    return {"size": _size(sar), "repeats": repeats, "seconds": seconds, "median": median,
            "change_ratio": median["change"] / median["translate"],
            "trust_ratio": median["translate_trust"] / median["translate"],
            "change_target": CHANGE_TARGET, "trust_target": TRUST_TARGET}


def _size(path: Path) -> int:
    import rasterio

    with rasterio.open(path) as src:
        return int(src.width)
