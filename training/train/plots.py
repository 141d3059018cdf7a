"""Pictures of a run: loss curves (as the seed blog post plots them) and previews of fixed
validation patches (SAR | DEM | prediction | truth) so progress can be judged by eye."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.atomic import atomic_output

INVALID_RGB = (1.0, 0.0, 1.0)  # magenta: optical pixels excluded from the loss


def _figure(width: float, height: float):
    from ...core.mpl import quiet_matplotlib

    quiet_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def plot_losses(history: list[dict], out: Path) -> None:
    """Training loss terms and validation L1 per epoch, one panel each (log scale)."""
    if not history:
        return
    epochs = [row["epoch"] for row in history]
    train_keys = [k for k in history[0] if k.startswith("train_")]
    fig = _figure(10, 4)
    ax_train, ax_val = fig.subplots(1, 2)
    for key in train_keys:
        values = [row[key] for row in history]
        if all(np.isfinite(values)) and min(values) > 0:
            ax_train.semilogy(epochs, values, marker=".", label=key[len("train_"):])
        else:
            ax_train.plot(epochs, values, marker=".", label=key[len("train_"):])
    ax_train.set_title("training losses")
    ax_train.set_xlabel("epoch")
    ax_train.legend(fontsize=8)
    for key in ("val_l1", "val_mse"):
        ax_val.plot(epochs, [row[key] for row in history], marker=".", label=key[4:])
    ax_val.set_title("validation")
    ax_val.set_xlabel("epoch")
    ax_val.legend(fontsize=8)
    fig.tight_layout()
    with atomic_output(out) as tmp:
        fig.savefig(tmp, format="png")


def _rgb(image: np.ndarray) -> np.ndarray:
    return np.clip(np.transpose(image, (1, 2, 0)), 0.0, 1.0)


def draw_row(axes, panels: list[tuple[np.ndarray, str | None, str]], titled: bool) -> None:
    """One row of image panels (image, colour map, label), labels on the first row only."""
    for ax, (image, cmap, label) in zip(axes, panels, strict=True):
        ax.imshow(image, cmap=cmap, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titled:
            ax.set_title(label, fontsize=10)


def plot_previews(samples: list[dict], predictions: list[np.ndarray], out: Path,
                  title: str) -> None:
    """One row per validation patch: SAR (VV), DEM, prediction, truth (invalid in magenta)."""
    rows = len(samples)
    fig = _figure(10, 2.6 * rows + 0.4)
    axes = np.atleast_2d(fig.subplots(rows, 4))
    for row, (sample, pred) in enumerate(zip(samples, predictions, strict=True)):
        sar = sample["sar"].numpy()
        dem = sample["dem"].numpy()[0]
        truth = _rgb(sample["optical"].numpy())
        valid = sample["valid"].numpy()[0]
        truth[~valid] = INVALID_RGB
        panels = [(sar[0], "gray", "SAR VV"),
                  (dem if bool(sample["has_dem"]) else np.zeros_like(dem), "terrain", "DEM"),
                  (_rgb(pred), None, "prediction"), (truth, None, "truth")]
        draw_row(axes[row], panels, titled=row == 0)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(out) as tmp:
        fig.savefig(tmp, format="png")
