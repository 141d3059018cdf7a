"""How well the trust layer ranks translation error (``sardine evaluate-trust``), and the
fit of its calibration for one set of weights (``--fit-out``).

Simulated scenes are made (``training.simulate``), translated with ``--trust-out`` by the
real engine (``core.change.translate_with_trust``), and the per-pixel CIELAB error of the
translation against the simulated optical image is compared with 1 - trust and with 1 -
each component (Spearman rank correlation), over the whole scene and per region (water,
vegetation, bare ground, snow, layover/shadow, foreshortening: where it misses). Two more
candidates are measured but not part of the layer: the model's spread under a left-right
flip (mirrored input translated, mirrored back, CIELAB difference, 5x5 mean: one more
translation) and the local edge strength of the translation. The calibration
(``trust_fit``) is fitted on the TRAINING scenes only; the figures that count are those of
the separate TEST scenes, translated with the weights written with the new calibration
when ``fit_out`` is given (else with the weights' own calibration or the fallback).
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import rasterio
from scipy import ndimage
from scipy.stats import spearmanr

from ...core.change import translate_with_trust
from ...core.change.metrics import smoothed_db, srgb_to_lab
from ...core.change.trust import colour_features
from ...core.errors import InputError
from ...core.translate import TranslateParams, translate
from ...core.translate.model_info import read_model_info
from ...core.trust_calibration import calibration_in_use
from ..simulate import SceneSpec, simulate_scene, write_scene
from ..simulate.landcover import BUILT, FIELDS, FOREST, MEADOW, ROCK, SCREE, SNOW, WATER
from .trust_fit import check_fit_out, fit_calibration, write_calibrated

SAMPLE = 100_000  # pixels per scene for the rank correlations and the fit (fixed seed)
TRUST_BANDS = ("trust", "distortion", "domain", "colour")
COVER_REGIONS = {"water": (WATER,), "vegetation": (MEADOW, FIELDS, FOREST),
                 "bare": (ROCK, SCREE), "snow": (SNOW,), "built-up": (BUILT,)}
MASK_REGIONS = {"layover/shadow": (2, 3), "foreshortening": (1,)}  # distortion codes


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read()


def _mirrored(src: Path, out: Path) -> Path:
    """``src`` flipped left-right, same grid (the translation of it is mirrored back)."""
    with rasterio.open(src) as ds:
        profile, data = ds.profile, ds.read()
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(np.ascontiguousarray(data[:, :, ::-1]))
    return out


def _lab_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((srgb_to_lab(a) - srgb_to_lab(b)) ** 2).sum(axis=0))


def _edges(rgb: np.ndarray) -> np.ndarray:
    """Sobel magnitude of the translation's CIELAB, 9x9 mean."""
    lab = srgb_to_lab(rgb)
    grad = np.sqrt(sum(ndimage.sobel(c, axis=a) ** 2 for c in lab for a in (0, 1)))
    return ndimage.uniform_filter(grad, 9)


def measure_scene(scene: Path, model: str, work: Path, threads: int | None,
                  spread: bool = True) -> dict:
    """Spearman of each candidate with the per-pixel error on one simulated scene (whole
    and per region), plus the sampled error and features (for the fit)."""
    meta = _scene_geometry(scene)
    out, trust_path = work / f"{scene.name}_rgb.tif", work / f"{scene.name}_trust.tif"
    params = TranslateParams(sar_path=scene / "sar.tif", dem_path=scene / "dem.tif",
                             out_path=out, model=model, threads=threads, **meta)
    translate_with_trust(params, trust_path)
    rgb, truth, trust = _read(out), _read(scene / "optical.tif"), _read(trust_path)
    error = _lab_error(rgb, truth)
    lab = srgb_to_lab(rgb)
    candidates = {f"1 - {name}": 1.0 - band for name, band in zip(TRUST_BANDS, trust,
                                                                  strict=False)}
    candidates["edges (not used)"] = _edges(rgb)
    if spread:
        flipped = _mirrored(scene / "sar.tif", work / f"{scene.name}_sar_flip.tif")
        dem_flipped = _mirrored(scene / "dem.tif", work / f"{scene.name}_dem_flip.tif")
        flip_out = work / f"{scene.name}_rgb_flip.tif"
        translate(TranslateParams(sar_path=flipped, dem_path=dem_flipped, out_path=flip_out,
                                  model=model, threads=threads))
        back = _read(flip_out)[:, :, ::-1]
        candidates["flip spread (not used)"] = ndimage.uniform_filter(_lab_error(rgb, back), 5)
    ok = np.isfinite(trust[0]) & (truth.sum(axis=0) > 0)
    rng = np.random.default_rng(0)
    pick = rng.choice(int(ok.sum()), min(SAMPLE, int(ok.sum())), replace=False)
    e = error[ok][pick]
    rho = {name: _spearman(v[ok][pick], e) for name, v in candidates.items()}
    sar = np.stack([smoothed_db(band) for band in _read(scene / "sar.tif").astype(np.float32)])
    features = colour_features(lab, sar, read_model_info(model).normalization)
    samples = {name: v[ok][pick] for name, v in features.items()}
    samples.update(error=e, keep=(trust[1] * trust[2])[ok][pick] > 0)
    regions = _regions(scene, ok, pick, e, trust[0][ok][pick])
    return {"scene": scene.name, "spearman": rho, "mean_error": round(float(e.mean()), 2),
            "low_trust_fraction": round(float((trust[0][ok] < 0.5).mean()), 4),
            "regions": regions, "samples": samples}


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None  # constant: no ranking to measure
    return round(float(spearmanr(a, b).statistic), 3)


def _regions(scene: Path, ok: np.ndarray, pick: np.ndarray, error: np.ndarray,
             trust: np.ndarray) -> dict:
    """Share, mean error, mean trust and Spearman(1 - trust, error) inside each region."""
    cover = _read(scene / "landcover.tif")[0][ok][pick]
    codes = _read(scene / "distortion.tif")[0][ok][pick]
    masks = {name: np.isin(cover, classes) for name, classes in COVER_REGIONS.items()}
    masks.update({name: np.isin(codes, c) for name, c in MASK_REGIONS.items()})
    return {name: {"share": round(float(m.mean()), 3),
                   "mean_error": round(float(error[m].mean()), 1),
                   "mean_trust": round(float(trust[m].mean()), 2),
                   "spearman": _spearman(1.0 - trust[m], error[m])}
            for name, m in masks.items() if m.mean() >= 0.005}


def _scene_geometry(scene: Path) -> dict:
    import json

    spec = json.loads((scene / "scene.json").read_text())["spec"]
    return {"incidence": float(spec["incidence"]), "heading": float(spec["heading"]),
            "look": spec["look"]}


def evaluate_trust(train_seeds: Sequence[int], test_seeds: Sequence[int], model: str,
                   size: int = 512, threads: int | None = 1, spread: bool = True,
                   log: Callable[[str], None] = lambda message: None,
                   fit_out: str | Path | None = None) -> dict:
    """Simulate, translate with trust and measure; fit the calibration on ``train_seeds``
    and, with ``fit_out``, write the weights with it there and measure the test seeds with
    those; report all."""
    if not train_seeds or not test_seeds:
        raise InputError("Give at least one training seed and one test seed (e.g. "
                         "--train-seeds 10,11,12,13 --test-seeds 20,21,22,23).")
    if set(train_seeds) & set(test_seeds):
        raise InputError(f"Training and test seeds must differ (both hold "
                         f"{sorted(set(train_seeds) & set(test_seeds))}): the calibration "
                         "is fitted on the training seeds and judged on the test seeds.")
    weights, out = None, None
    if fit_out is not None:  # refused before any work when it cannot be written
        weights = Path(read_model_info(model, runtime="torch").weights_path or model)
        out = check_fit_out(weights, fit_out)
    info = read_model_info(model)
    calibration, is_own = calibration_in_use(info.trust_calibration,
                                             len(info.normalization.sar_bands))
    report: dict = {"model": model, "size": size, "train_seeds": list(train_seeds),
                    "test_seeds": list(test_seeds), "train": [], "test": [],
                    "calibration_before": {"own": is_own, **calibration.to_dict()}}
    samples = []
    with tempfile.TemporaryDirectory(prefix="sardine-trust-") as tmp:
        work = Path(tmp)
        for split, seeds in (("train", train_seeds), ("test", test_seeds)):
            if split == "test":
                fitted = fit_calibration(samples, _fitted_on(model, train_seeds, size))
                report["calibration_fitted_on_train"] = fitted.to_dict()
                if out is not None and weights is not None:
                    model = str(write_calibrated(weights, out, fitted))
                    report["written"] = model
                    log(f"wrote {model} with the fitted calibration")
            for seed in seeds:
                log(f"{split} scene, seed {seed}")
                scene = work / f"seed{seed}"
                write_scene(simulate_scene(SceneSpec(size=size, seed=seed)), scene)
                row = measure_scene(scene, model, work, threads, spread)
                fit = row.pop("samples")
                if split == "train":
                    samples.append(fit)
                report[split].append({"seed": seed, **row})
    trust = [r["spearman"]["1 - trust"] for r in report["test"]]
    report["test_spearman_trust"] = {"min": min(trust), "mean": round(float(np.mean(trust)), 3)}
    return report


def _fitted_on(model: str, seeds: Sequence[int], size: int) -> str:
    name = Path(model).name
    return (f"fitted for {name} on simulated training scenes (seeds "
            f"{','.join(map(str, seeds))}, {size}^2) by sardine evaluate-trust")
