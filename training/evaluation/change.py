"""How well the change view works on a simulated landslide pair (``sardine simulate
--landslide`` + ``sardine change``): ROC AUC of the combined score and of its optical-only
and SAR-only parts against the true mask, and how trust goes with translation error
(Spearman correlation of 1 - trust with the per-pixel CIELAB error of the pre-event
translation against the simulated optical image).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from scipy.stats import rankdata, spearmanr

from ...core.atomic import atomic_output
from ...core.change.metrics import srgb_to_lab
from ...core.errors import InputError

SPEARMAN_SAMPLE = 200_000  # pixels: the rank correlation of a random sample (fixed seed)


def roc_auc(score: np.ndarray, truth: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half); NaN scores left out."""
    ok = np.isfinite(score)
    s, t = score[ok], truth[ok].astype(bool)
    positives, negatives = int(t.sum()), int((~t).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[t].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def roc_curve(score: np.ndarray, truth: np.ndarray, points: int = 200
              ) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) at ``points`` score quantiles."""
    ok = np.isfinite(score)
    s, t = score[ok], truth[ok].astype(bool)
    thresholds = np.unique(np.quantile(s, np.linspace(0.0, 1.0, points)))[::-1]
    tpr = np.array([(s[t] >= q).mean() for q in thresholds])
    fpr = np.array([(s[~t] >= q).mean() for q in thresholds])
    return np.concatenate([[0.0], fpr, [1.0]]), np.concatenate([[0.0], tpr, [1.0]])


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read()


def change_scores(change: np.ndarray) -> dict[str, np.ndarray]:
    """The three scores compared: optical only (dE), SAR only (max |log-ratio|), combined."""
    return {"optical_only": change[0],
            "sar_only": np.nanmax(np.abs(change[1:3]), axis=0),
            "combined": change[3]}


def trust_error(truth_rgb: np.ndarray, translated_rgb: np.ndarray, trust: np.ndarray,
                seed: int = 0) -> dict[str, float]:
    """Spearman correlation of 1 - trust with the per-pixel CIELAB error (and the mean error
    where trust is below and above 0.5)."""
    error = np.sqrt(((srgb_to_lab(translated_rgb) - srgb_to_lab(truth_rgb)) ** 2).sum(axis=0))
    ok = np.isfinite(trust) & (truth_rgb.sum(axis=0) > 0)
    e, t = error[ok], trust[ok]
    rng = np.random.default_rng(seed)
    pick = rng.choice(e.size, min(SPEARMAN_SAMPLE, e.size), replace=False)
    rho = spearmanr(1.0 - t[pick], e[pick]).statistic
    return {"spearman_untrust_vs_error": round(float(rho), 4),
            "mean_error_low_trust": round(float(e[t < 0.5].mean()), 2) if (t < 0.5).any()
            else None,
            "mean_error_high_trust": round(float(e[t >= 0.5].mean()), 2),
            "low_trust_fraction": round(float((t < 0.5).mean()), 4)}


def evaluate_change(pair_dir: Path, change_dir: Path, figure: Path | None = None) -> dict:
    """AUCs and trust figures of one simulated pair and its ``sardine change`` outputs."""
    _require(pair_dir, ("landslide.tif", "pre/optical.tif"), "sardine simulate --landslide")
    _require(change_dir, ("change.tif", "trust.tif", "pre_optical.tif"), "sardine change")
    truth = _read(pair_dir / "landslide.tif")[0] > 0
    change = _read(change_dir / "change.tif")
    trust = _read(change_dir / "trust.tif")
    scores = change_scores(change)
    report = {"pixels": int(truth.size), "changed_fraction": round(float(truth.mean()), 4),
              "roc_auc": {name: round(roc_auc(s, truth), 4) for name, s in scores.items()}}
    pre_truth = _read(pair_dir / "pre" / "optical.tif")
    pre_translated = _read(change_dir / "pre_optical.tif")
    report["trust"] = trust_error(pre_truth, pre_translated, trust[0])
    if figure is not None:
        _figure(figure, scores, truth, change_dir, trust[0], report)
        report["figure"] = str(figure)
    return report


def _require(folder: Path, names: tuple[str, ...], writer: str) -> None:
    """Refuse a folder that is not what ``writer`` makes, naming the first missing file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; give the folder `{writer}` wrote.")
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise InputError(f"{folder} has no {missing[0]}; give the folder `{writer}` wrote.")


def _figure(path: Path, scores: dict, truth: np.ndarray, change_dir: Path,
            trust: np.ndarray, report: dict) -> None:
    from ...core.mpl import quiet_matplotlib

    quiet_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 3.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 5)
    for ax, name in zip(axes[:2], ("pre_optical", "post_optical"), strict=True):
        ax.imshow(np.moveaxis(_read(change_dir / f"{name}.tif"), 0, -1))
        ax.set_title(name.replace("_", " "))
    axes[2].imshow(scores["combined"], cmap="magma", vmin=0, vmax=1)
    axes[2].contour(truth, levels=[0.5], colors="cyan", linewidths=0.6)
    axes[2].set_title("combined score (cyan: true scars)")
    axes[3].imshow(trust, cmap="gray", vmin=0, vmax=1)
    axes[3].set_title("trust (black: do not trust)")
    for ax in axes[:4]:
        ax.set_axis_off()
    for name, s in scores.items():
        fpr, tpr = roc_curve(s, truth)
        axes[4].plot(fpr, tpr, label=f"{name} (AUC {report['roc_auc'][name]:.3f})")
    axes[4].plot([0, 1], [0, 1], color="grey", linewidth=0.5)
    axes[4].set_xlabel("false positive rate")
    axes[4].set_ylabel("true positive rate")
    axes[4].legend(fontsize=7)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")


def write_report(report: dict, path: Path) -> Path:
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(report, indent=1) + "\n")
    return path
