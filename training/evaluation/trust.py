"""How well the trust layer ranks translation error (``sardine evaluate-trust``).

Simulated scenes are made (``training.simulate``), translated with ``--trust-out`` by the
real engine (``core.change.translate_with_trust``), and the per-pixel CIELAB error of the
translation against the simulated optical image is compared with 1 - trust and with 1 -
each component (Spearman rank correlation). Two more candidates are measured but not part
of the layer: the model's spread under a left-right flip (mirrored input translated,
mirrored back, CIELAB difference, 5x5 mean: one more translation) and the local edge
strength of the translation. The colour component's coefficients are refit on the
TRAINING scenes and the figures reported on separate TEST scenes with the coefficients the
code ships (``core.change.trust.COLOUR_ERROR_COEF``).
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
from ...core.change.metrics import srgb_to_lab
from ...core.translate import TranslateParams, translate
from ..simulate import SceneSpec, simulate_scene, write_scene

SAMPLE = 100_000  # pixels per scene for the rank correlations and the fit (fixed seed)
TRUST_BANDS = ("trust", "distortion", "domain", "colour")


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
    """Spearman of each candidate with the per-pixel error on one simulated scene, plus the
    sampled error, chroma and L* of the translation (for the fit)."""
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
    rho = {name: round(float(spearmanr(v[ok][pick], e).statistic), 3)
           for name, v in candidates.items()}
    return {"scene": scene.name, "spearman": rho, "mean_error": round(float(e.mean()), 2),
            "low_trust_fraction": round(float((trust[0][ok] < 0.5).mean()), 4),
            "samples": (e, np.hypot(lab[1], lab[2])[ok][pick], lab[0][ok][pick])}


def _scene_geometry(scene: Path) -> dict:
    import json

    spec = json.loads((scene / "scene.json").read_text())["spec"]
    return {"incidence": float(spec["incidence"]), "heading": float(spec["heading"]),
            "look": spec["look"]}


def fit_colour_error(samples: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]
                     ) -> tuple[float, float, float]:
    """Least squares error = c0 + c1 chroma + c2 L* over the training scenes' samples."""
    error = np.concatenate([s[0] for s in samples])
    design = np.column_stack([np.ones(error.size), np.concatenate([s[1] for s in samples]),
                              np.concatenate([s[2] for s in samples])])
    coef, *_ = np.linalg.lstsq(design, error, rcond=None)
    return tuple(round(float(c), 3) for c in coef)  # type: ignore[return-value]


def evaluate_trust(train_seeds: Sequence[int], test_seeds: Sequence[int], model: str,
                   size: int = 512, threads: int | None = 1, spread: bool = True,
                   log: Callable[[str], None] = lambda message: None) -> dict:
    """Simulate, translate with trust and measure; fit on ``train_seeds``, report all."""
    if set(train_seeds) & set(test_seeds):
        raise ValueError("Training and test seeds must differ.")
    report: dict = {"model": model, "size": size, "train_seeds": list(train_seeds),
                    "test_seeds": list(test_seeds), "train": [], "test": []}
    samples = []
    with tempfile.TemporaryDirectory(prefix="sardine-trust-") as tmp:
        work = Path(tmp)
        for split, seeds in (("train", train_seeds), ("test", test_seeds)):
            for seed in seeds:
                log(f"{split} scene, seed {seed}")
                scene = work / f"seed{seed}"
                write_scene(simulate_scene(SceneSpec(size=size, seed=seed)), scene)
                row = measure_scene(scene, model, work, threads, spread)
                fit = row.pop("samples")
                if split == "train":
                    samples.append(fit)
                report[split].append({"seed": seed, **row})
    from ...core.change.trust import COLOUR_ERROR_COEF

    report["colour_error_coef_fitted_on_train"] = list(fit_colour_error(samples))
    report["colour_error_coef_shipped"] = list(COLOUR_ERROR_COEF)
    trust = [r["spearman"]["1 - trust"] for r in report["test"]]
    report["test_spearman_trust"] = {"min": min(trust), "mean": round(float(np.mean(trust)), 3)}
    return report
