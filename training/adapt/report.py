"""The adaptation report: report.json (every number), report.md (a table and the verdict)
and figure.png (SAR | base | adapted | truth on held-out blocks, and the loss curve)."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...core.atomic import atomic_output, check_output_folder
from ...core.errors import InputError
from ...core.models.base import TranslationModel
from ...core.weights import load_weights
from ..train.plots import INVALID_RGB, _figure, _rgb, draw_row
from .score import predict_block

if TYPE_CHECKING:
    from .run import AdaptResult

FIGURE_BLOCKS = 3


def _fmt(value: float, digits: int = 4) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def plain(value):
    """JSON-safe copy (NaN/inf -> None, numpy -> Python)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def report_dict(result: AdaptResult) -> dict:
    site = result.site
    return plain({
        "weights": str(result.out), "base": result.base,
        "inputs": {k: v for k, v in result.config.to_dict().items()
                   if k in ("sar", "optical", "dem", "cloud_mask", "scl")},
        "area_px": list(site.shape), "clear_pixels": int(site.valid.sum()),
        "left_out_pixels": site.excluded, "optical_bands": list(site.bands),
        "optical_bands_how": site.bands_how, "optical_scaling": site.scaling.describe(),
        "split": result.split.to_dict(), "geometry": result.geometry,
        "config": result.config.to_dict(),
        "loop": {"steps": result.loop.steps, "seconds": result.loop.seconds,
                 "stopped": result.loop.stopped, "history": result.loop.history},
        "scores": result.scores, "beats_flat_colour": result.beats_flat,
        "beats_base": result.beats_base, "verdict": result.verdict(),
        "metrics_convention": "held-out blocks pooled: MSE over clear pixels and channels, "
                              "PSNR of that MSE, SSIM scikit-image Gaussian sigma 1.5 data "
                              "range 1 averaged over clear pixels; images in [0, 1]",
    })


def _geometry_line(geometry: dict | None) -> list[str]:
    if not geometry:
        return []
    return [f"Distortion regions drawn from the DEM with incidence "
            f"{geometry['incidence_deg']:.1f}, heading {geometry['heading_deg']:.1f} degrees, "
            f"{geometry['look']} looking ({geometry['source']}).", ""]


def report_markdown(result: AdaptResult) -> str:
    lines = [f"# Adaptation report: {Path(result.out).name}", "",
             f"Base weights: `{result.base}`; site {result.site.shape[1]} x "
             f"{result.site.shape[0]} px, {int(result.site.valid.sum()):,} clear pixels; "
             f"optical bands {','.join(map(str, result.site.bands))} "
             f"({result.site.bands_how}); {result.site.scaling.describe()}.", "",
             f"Block split ({result.split.block} px blocks): "
             + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.split.to_dict().items()
                         if k != "block_px")
             + f". {result.loop.steps} steps in {result.loop.seconds:.0f} s, stopped: "
             f"{result.loop.stopped}.", "",
             *_geometry_line(result.geometry),
             "## Held-out blocks (never trained on, not used for stopping)", "",
             "| predictor | region | MSE | SSIM | PSNR (dB) | gradient / truth | pixels |",
             "|---|---|---|---|---|---|---|"]
    for name, score in result.scores.items():
        for region, values in score["regions"].items():
            lines.append(f"| {name} | {region} | {_fmt(values['mse'])} | "
                         f"{_fmt(values['ssim'], 3)} | {_fmt(values['psnr'], 2)} | "
                         f"{_fmt(score['gradient_ratio'], 2) if region == 'global' else ''} | "
                         f"{values['pixels']:,} |")
    lines += ["", "## Verdict", "", *[f"- {line}" for line in result.verdict()], "",
              "![figure](figure.png)", ""]
    return "\n".join(lines)


def write_figure(result: AdaptResult, base: TranslationModel, out: Path) -> None:
    import torch

    site = result.site
    blocks = sorted(result.split.blocks("check"),
                    key=lambda b: -int(site.valid[b].sum()))[:FIGURE_BLOCKS]
    rows = len(blocks) + 1
    fig = _figure(12, 3 * rows)
    axes = np.atleast_2d(fig.subplots(rows, 4))
    device = torch.device("cpu")
    base = base.cpu()
    adapted, _ = load_weights(result.out)
    for row, (rs, cs) in enumerate(blocks):
        truth = _rgb(site.optical[:, rs, cs]).copy()
        truth[~site.valid[rs, cs]] = INVALID_RGB
        panels = [(site.sar[0, rs, cs], "gray", "SAR (first band)"),
                  (_rgb(predict_block(base, site, rs, cs, device)), None, "base"),
                  (_rgb(predict_block(adapted, site, rs, cs, device)), None, "adapted"),
                  (truth, None, "truth (held out)")]
        draw_row(axes[row], panels, titled=row == 0)
    for ax in axes[-1]:
        ax.remove()
    curve = fig.add_subplot(rows, 1, rows)
    history = result.loop.history
    curve.plot([r["seconds"] for r in history], [r["monitor_loss"] for r in history],
               marker=".", label="monitoring blocks")
    curve.plot([r["seconds"] for r in history], [r["train_loss"] for r in history],
               marker=".", label="training patches")
    curve.set_xlabel("seconds")
    curve.set_ylabel("loss")
    curve.legend(fontsize=8)
    fig.tight_layout()
    with atomic_output(out) as tmp:
        fig.savefig(tmp, format="png")


def check_report_folder(folder: Path) -> Path:
    """Refuse, before any work, a report folder that cannot be made."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--report {folder} is a file; give a folder for the report.")
    if not folder.parent.is_dir():
        raise InputError(f"The folder {folder.parent} does not exist; create it first.")
    return check_output_folder(folder, "report folder")


def write_report(result: AdaptResult, base: TranslationModel, folder: Path) -> Path:
    """report.json, report.md and figure.png in ``folder`` (created; files replaced)."""
    folder = check_report_folder(folder)
    folder.mkdir(exist_ok=True)
    with atomic_output(folder / "report.json") as tmp:
        tmp.write_text(json.dumps(report_dict(result), indent=2))
    with atomic_output(folder / "report.md") as tmp:
        tmp.write_text(report_markdown(result))
    write_figure(result, base, folder / "figure.png")
    return folder
