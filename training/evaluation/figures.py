"""The comparison figure of the paper's Fig. 4: for the same test patches, SAR [VV, VH, 0],
DEM, every model's translation and the optical truth, with distortion regions outlined so a
reader sees where each model fails."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ...core.atomic import atomic_output
from .metrics import region_masks

OUTLINES = (("foreshortening", "#ffd400"), ("shadow", "#00e5ff"))


def pick_patches(codes: Sequence[np.ndarray | None], count: int = 4) -> list[int]:
    """Indices of the patches most worth showing: the most distorted first (shadow and
    foreshortening are where models differ), in their dataset order for stability."""
    scores = []
    for i, c in enumerate(codes):
        if c is None:
            scores.append((0.0, i))
            continue
        masks = region_masks(c)
        fore = masks["foreshortening"].mean()
        shadow = masks["shadow"].mean()
        # Prefer patches holding both kinds of distortion and some flat ground.
        scores.append((min(fore, 0.3) + min(shadow, 0.3) + 0.1 * min(fore, shadow), i))
    best = sorted(scores, key=lambda s: (-s[0], s[1]))[:count]
    return sorted(i for _, i in best)


def sar_rgb(sar: np.ndarray) -> np.ndarray:
    """Unit-scaled SAR (C, H, W) -> displayable (H, W, 3): [VV, VH, 0] as in the paper."""
    rgb = np.zeros((*sar.shape[1:], 3), dtype=np.float32)
    for i in range(min(2, sar.shape[0])):
        rgb[..., i] = sar[i]
    return np.clip(rgb, 0, 1)


def _short(name: str, limit: int = 24) -> str:
    """Patch names such as BigEarthNet's run to 60 characters; keep both ends."""
    return name if len(name) <= limit else f"{name[:10]}...{name[-(limit - 13):]}"


def _show(ax, image: np.ndarray, codes: np.ndarray | None, cmap: str | None = None) -> None:
    if image.ndim == 3 and image.shape[0] in (1, 3):
        image = image[0] if image.shape[0] == 1 else np.transpose(image, (1, 2, 0))
    ax.imshow(np.clip(np.nan_to_num(image), 0, 1) if cmap is None else image, cmap=cmap,
              interpolation="nearest")
    if codes is not None:
        masks = region_masks(codes)
        for name, colour in OUTLINES:
            if masks[name].any() and not masks[name].all():
                ax.contour(masks[name].astype(np.float32), levels=[0.5], colors=[colour],
                           linewidths=0.7)
    ax.set_xticks([])
    ax.set_yticks([])


def comparison_figure(out_path: str | os.PathLike, patches: Sequence[Mapping[str, object]],
                      predictions: Mapping[str, Sequence[np.ndarray]],
                      title: str | None = None) -> Path:
    """Write the figure (PNG) atomically. ``patches``: dicts of numpy arrays ``sar``,
    ``dem`` (or None), ``optical``, ``distortion`` (or None); ``predictions``: label ->
    one (3, H, W) image per patch, in the same order."""
    from ...core.mpl import quiet_matplotlib

    quiet_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = list(predictions)
    with_dem = any(p.get("dem") is not None for p in patches)
    cols = ["SAR [VV, VH, 0]", *(["DEM"] if with_dem else []), *labels, "Optical (truth)"]
    first_model = 2 if with_dem else 1
    rows = max(1, len(patches))
    size = 1.9
    fig = Figure(figsize=(size * len(cols), size * rows + (0.6 if title else 0.3)),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, len(cols), squeeze=False)
    for r, patch in enumerate(patches):
        codes = patch.get("distortion")
        _show(axes[r][0], np.transpose(sar_rgb(patch["sar"]), (2, 0, 1)), codes)
        if with_dem:
            dem = patch.get("dem")
            if dem is None:
                axes[r][1].text(0.5, 0.5, "no DEM", ha="center", va="center")
                axes[r][1].set_axis_off()
            else:
                _show(axes[r][1], np.asarray(dem)[0], codes, cmap="terrain")
        for c, label in enumerate(labels):
            _show(axes[r][first_model + c], np.asarray(predictions[label][r]), codes)
        _show(axes[r][-1], np.asarray(patch["optical"]), codes)
        axes[r][0].set_ylabel(_short(str(patch.get("name", f"patch {r + 1}"))), fontsize=7)
    for c, name in enumerate(cols):
        axes[0][c].set_title(name, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    out = Path(out_path)
    with atomic_output(out) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return out
