"""Measure the real statistics table the simulator is calibrated on (``sardine calibrate``).

Source: the BigEarthNet v2 pairs (``configilm`` wheel, or any BigEarthNet v2 LMDB folder).
Class statistics come from the published *training and validation* pairs without snow,
cloud or shadow (the test pairs stay unseen: models trained on the calibrated simulator are
scored on them). The colour gamut also takes the flagged training and validation pairs
(snow and haze are real Sentinel-2 colours too). Writes resources/simulator/
real_statistics.json unless told otherwise.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np

from ...core.atomic import atomic_output
from ...core.feedback import Feedback
from ...core.version import __version__
from ..datasets.benv2 import BigEarthNetV2Dataset, configilm_benv2_root
from ..evaluation.gamut import GamutCounter
from .real_stats import S2_BANDS, class_statistics, classify_pixels, display_rgb

CALIBRATION_PARTS = ("train", "val")


def measure_real_statistics(root: str | Path | None = None,
                            feedback: Feedback | None = None) -> dict:
    """The table: per class statistics, the gamut and where they came from."""
    feedback = feedback or Feedback()
    root = Path(root) if root is not None else configilm_benv2_root()
    data = BigEarthNetV2Dataset(root, include_flagged=True)
    records = [r for r in data.records.values() if r.split in CALIBRATION_PARTS]
    counter = GamutCounter()
    used: list[str] = []

    def clean_pairs():
        """Class inputs of the clean pairs; every pair feeds the gamut on the way."""
        for k, record in enumerate(records):
            feedback.check_cancelled()
            sar, s2 = data.read_raw(record, S2_BANDS)
            rgb = display_rgb(s2[:3])
            counter.add(np.where((s2[:3] > 0).all(axis=0)[None], rgb, np.nan))
            feedback.progress(90.0 * (k + 1) / len(records))
            if not record.flagged:
                used.append(record.patch_id)
                yield sar, rgb, classify_pixels(s2, record.labels)

    classes = class_statistics(clean_pairs())
    gamut = counter.gamut(min_count=1, grow=1)
    gamut_used = [r.patch_id for r in records]
    return {
        "source": "BigEarthNet v2 (CDLA-Permissive-1.0), the pairs shipped in the "
                  "configilm==0.7.1 wheel (MIT); Sentinel-1 GRD / Sentinel-2 L2A, "
                  "Copernicus data",
        "measured": {"parts": list(CALIBRATION_PARTS), "patches": used,
                     "gamut_patches": gamut_used,
                     "left_out": "the test split; patches with snow, cloud or shadow "
                                 "(class statistics only)",
                     "method": "training/simulate/real_stats.py (pixel classes from the "
                               "Sentinel-2 spectrum constrained by the patch labels)",
                     "software": f"sardine {__version__}", "date": date.today().isoformat()},
        "units": {"db": "sigma0 dB as stored by BigEarthNet", "rgb": "B04/B03/B02 reflectance "
                  "x 10000 / 3000 clipped to [0, 1]", "enl": "median of mean^2/variance "
                  "of linear intensity in 5 x 5 windows inside the class"},
        "classes": classes,
        "gamut": gamut.to_dict() | {"min_count": 1, "grown_cells": 1},
    }


def write_statistics(table: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(table, indent=1) + "\n")
    return path


def real_pairs(root: str | Path | None = None, max_patches: int = 64) -> list[tuple]:
    """(sar dB, rgb, class masks) of the clean calibration pairs (at most ``max_patches``,
    evenly spaced, so a full BigEarthNet v2 stays within memory)."""
    root = Path(root) if root is not None else configilm_benv2_root()
    data = BigEarthNetV2Dataset(root)
    records = [r for r in data.records.values() if r.split in CALIBRATION_PARTS]
    if len(records) > max_patches:
        records = [records[i] for i in np.linspace(0, len(records) - 1, max_patches).astype(int)]
    out = []
    for record in records:
        sar, s2 = data.read_raw(record, S2_BANDS)
        out.append((sar, display_rgb(s2[:3]), classify_pixels(s2, record.labels)))
    return out


def calibration_figure(root: str | Path | None, path: str | Path, scenes: int = 2,
                       size: int = 512) -> Path:
    """Real pairs against the flat reference scene (where the calibration must hold) and
    ``scenes`` simulated scenes over generated mountains (terrain adds its own spread)."""
    from .compare import comparison_figure, flat_scene, simulated_masks, simulated_pairs
    from .scene import SceneSpec, simulate_scene

    sar, rgb, classes = flat_scene()
    flat = [(sar, rgb / 255.0, simulated_masks(classes))]
    mountains = list(simulated_pairs(simulate_scene(SceneSpec(size=size, seed=seed))
                                     for seed in range(scenes)))
    note = (f"Real: the {'/'.join(CALIBRATION_PARTS)} pairs; simulated: flat reference "
            f"scene, and {scenes} scene(s) {size} x {size} over generated mountains.")
    return comparison_figure(real_pairs(root), {"simulated, flat": flat,
                                                "simulated, mountains": mountains},
                             path, note)
