"""A loss that becomes NaN or infinite stops the run at once: every later update would be
garbage and the weights written from it meaningless."""
from __future__ import annotations

from pathlib import Path

from ...core.errors import SardineError


class TrainingDiverged(SardineError):
    """The losses or validation metrics stopped being finite numbers."""


def diverged(run_dir: Path, epoch: int, values: dict[str, float], kept: bool
             ) -> TrainingDiverged:
    """The error to raise; ``kept``: earlier epochs' weights are in the run folder."""
    shown = ", ".join(f"{k} {v:.4g}" for k, v in sorted(values.items()))
    where = (f"{run_dir} keeps the weights of the last finite epoch (continue with --resume "
             "and a lower --lr)" if kept else "no weights were written")
    return TrainingDiverged(
        f"Training diverged in epoch {epoch}: the loss is no longer a finite number "
        f"({shown}). Lower --lr (e.g. by 10), or check the data for NaN or extreme values; "
        f"{where}.")


def no_validation_score(run_dir: Path, epoch: int, kept: bool) -> TrainingDiverged:
    """Validation gave NaN: no valid pixel in the validation patches, or NaN predictions."""
    where = (f"{run_dir} keeps the weights of the last good epoch" if kept else
             "no weights were written")
    return TrainingDiverged(
        f"Validation in epoch {epoch} gave no finite score: the validation patches have no "
        "valid pixel (check the data's nodata masks) or the model outputs NaN (lower --lr); "
        f"{where}.")


FIRST_FILES = ("config.json", "split.json")  # written before the first epoch ends


def remove_unfinished(run_dir: Path, run_files: tuple[str, ...]) -> None:
    """A run folder this run created, stopped before any epoch was saved: remove what it
    wrote, so a failed or cancelled first epoch leaves nothing behind (a folder holding
    anything else is kept as it is)."""
    if any((run_dir / name).exists() for name in run_files):
        return
    for name in FIRST_FILES:
        (run_dir / name).unlink(missing_ok=True)
    for folder in (run_dir / "previews", run_dir):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            return
