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
from ..evaluation.gamut import gamut_from_pixels
from .real_stats import S2_BANDS, class_statistics, classify_pixels, display_rgb

CALIBRATION_PARTS = ("train", "val")


def measure_real_statistics(root: str | Path | None = None,
                            feedback: Feedback | None = None) -> dict:
    """The table: per class statistics, the gamut and where they came from."""
    feedback = feedback or Feedback()
    root = Path(root) if root is not None else configilm_benv2_root()
    data = BigEarthNetV2Dataset(root, include_flagged=True)
    records = [r for r in data.records.values() if r.split in CALIBRATION_PARTS]
    pairs, colours, used, gamut_used = [], [], [], []
    for k, record in enumerate(records):
        feedback.check_cancelled()
        sar, s2 = data.read_raw(record, S2_BANDS)
        rgb = display_rgb(s2[:3])
        valid = (s2[:3] > 0).all(axis=0)
        colours.append(np.where(valid[None], rgb, np.nan))
        gamut_used.append(record.patch_id)
        if not record.flagged:
            pairs.append((sar, rgb, classify_pixels(s2, record.labels)))
            used.append(record.patch_id)
        feedback.progress(90.0 * (k + 1) / len(records))
    classes = class_statistics(pairs)
    gamut = gamut_from_pixels(colours)
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


def real_pairs(root: str | Path | None = None) -> list[tuple]:
    """(sar dB, rgb, class masks) of the pairs the class statistics are measured on."""
    root = Path(root) if root is not None else configilm_benv2_root()
    data = BigEarthNetV2Dataset(root)
    out = []
    for record in data.records.values():
        if record.split in CALIBRATION_PARTS:
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
