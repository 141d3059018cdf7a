"""The distortion mask of a change run, computed in a thread while the translations run.

Why: the mask (about a third of a translation's time on CPU) depends only on the DEM and
the geometry, not on any translation; the model's runtime and GDAL release the GIL for
most of their work, so on a machine with a core to spare the mask comes almost free.
Warnings are kept and handed to the caller's feedback from the calling thread (a QGIS
feedback must not be called from another thread); a failure is raised by ``result``.
"""
from __future__ import annotations

import threading
from pathlib import Path

from ..feedback import Feedback
from ..translate.preflight import RunPlan


class BackgroundMask:
    """``write_distortion_raster`` of ``plan``'s DEM onto its SAR grid, into ``out``."""

    def __init__(self, plan: RunPlan, out: Path, feedback: Feedback) -> None:
        if plan.dem_path is None or plan.geometry is None:
            raise ValueError("A distortion mask needs a DEM and the acquisition geometry.")
        self._out, self._feedback = out, feedback
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._sub = Feedback(is_cancelled=lambda: self._stop.is_set()
                             or feedback.is_cancelled())
        self._thread = threading.Thread(target=self._run, args=(plan,), daemon=True,
                                        name="sardine-distortion-mask")
        self._thread.start()

    def _run(self, plan: RunPlan) -> None:
        from ..distortion import write_distortion_raster

        try:
            write_distortion_raster(plan.dem_path, self._out, plan.geometry, self._sub,
                                    target=plan.sar_grid)
        except BaseException as exc:  # re-raised in the calling thread by result()
            self._error = exc

    def result(self) -> Path:
        """Wait for the mask; its warnings go to the feedback, its failure is raised."""
        self._thread.join()
        for message in self._sub.warnings:
            self._feedback.warning(message)
        self._sub.warnings.clear()
        if self._error is not None:
            raise self._error
        return self._out

    def stop(self) -> None:
        """Ask the thread to stop and wait for it (before its scratch file is removed)."""
        self._stop.set()
        self._thread.join()
