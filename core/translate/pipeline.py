"""Pass 1: tiles through the model, with reading and writing overlapped.

A reader thread prepares blocks (read, warp, normalise, cut into tiles), the calling
thread runs the model, a writer thread blends, quantises and writes. Bounded queues
between them keep at most a few blocks in memory and let the slowest stage set the pace:
the model on a CPU, reading/warping/compressing on a GPU. Cancellation and errors in any
stage stop all three; the caller's atomic output then removes the partial file.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import rasterio

from ..feedback import Feedback
from ..scoped import trim_heap
from .inputs import BlockInput, BlockReader
from .preflight import RunPlan
from .tiling import Blender, Block, TileLayout
from .writer import (
    StripWriter,
    build_overviews,
    describe_final,
    final_profile,
    intermediate_profile,
    output_env,
    quantize_final,
    quantize_intermediate,
)

if TYPE_CHECKING:  # either runtime's runner: ``runner(sar, dem)`` and ``runner.batch``
    from .backends import BatchRunner as TileRunner

QUEUE_BLOCKS = 2
_END = object()
_POLL_S = 0.1


class _Stage:
    """Shared stop flag and first error of the three stages."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self.stop.set()

    def put(self, q: queue.Queue, item: object) -> bool:
        while not self.stop.is_set():
            try:
                q.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def get(self, q: queue.Queue) -> object:
        while not self.stop.is_set():
            try:
                return q.get(timeout=_POLL_S)
            except queue.Empty:
                continue
        return _END


@dataclass
class _Done:
    block: Block
    window: tuple[int, int, int, int] | None
    valid: np.ndarray | None
    rgb: np.ndarray  # (n, 3, T, T) model output


def run_tiles(plan: RunPlan, layout: TileLayout, runner: TileRunner,
              out_path: Path, final: bool, feedback: Feedback,
              progress: Callable[[float], None], tags: dict[str, str] | None = None,
              creation_options: dict | None = None) -> None:
    """Translate the working grid into ``out_path`` (final uint8 output when ``final``,
    else the uint16 premultiplied intermediate). ``progress`` takes a fraction in [0, 1]."""
    per_block = max(1, runner.batch)
    blocks = list(layout.blocks(per_block))
    stage = _Stage()
    in_q: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
    out_q: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)

    def read_all() -> None:
        try:
            reader = BlockReader(plan, layout)
            try:
                for block in blocks:
                    if not stage.put(in_q, reader.read(block)):
                        return
            finally:
                reader.close()
            stage.put(in_q, _END)
        except BaseException as exc:  # noqa: BLE001 (re-raised in the calling thread)
            stage.fail(exc)

    def write_all() -> None:
        try:
            _write(plan, layout, out_path, final, tags or {}, creation_options, stage, out_q)
        except BaseException as exc:  # noqa: BLE001
            stage.fail(exc)

    threads = [threading.Thread(target=read_all, name="sardine-read", daemon=True),
               threading.Thread(target=write_all, name="sardine-write", daemon=True)]
    for t in threads:
        t.start()
    try:
        done = 0
        while True:
            got = stage.get(in_q)
            if got is _END:
                break
            item = cast(BlockInput, got)
            feedback.check_cancelled()
            rgb = _predict(runner, item, layout.tile)
            done_item = _Done(item.block, item.window, item.valid, rgb)
            del item  # the writer needs no inputs: free them before waiting on it
            if not stage.put(out_q, done_item):
                break
            trim_heap()
            done += 1
            progress(0.95 * done / len(blocks))
        stage.put(out_q, _END)
        while threads[1].is_alive():
            threads[1].join(timeout=_POLL_S)
            if feedback.is_cancelled():
                stage.stop.set()
                feedback.check_cancelled()
    except BaseException as exc:
        stage.fail(exc)
        raise
    finally:
        for t in threads:
            t.join()
    if stage.error is not None:
        raise stage.error
    progress(1.0)


def _predict(runner: TileRunner, item: BlockInput, tile: int) -> np.ndarray:
    """Model output for the block's tiles; tiles without any valid pixel are skipped."""
    rgb = np.zeros((item.block.n_tiles, 3, tile, tile), dtype=np.float32)
    active = np.flatnonzero(item.active)
    for start in range(0, active.size, runner.batch):
        which = active[start:start + runner.batch]
        sar, dem = item.tiles(which)
        rgb[which] = runner(sar, dem)
    return rgb


def _write(plan: RunPlan, layout: TileLayout, out_path: Path, final: bool,
           tags: dict[str, str], creation_options: dict | None, stage: _Stage,
           out_q: queue.Queue) -> None:
    grid = plan.work_grid
    profile = final_profile(grid, creation_options) if final else intermediate_profile(grid)
    with output_env(), rasterio.open(out_path, "w", **profile) as dst:
        if final:
            describe_final(dst, tags)
        blender = Blender(layout)
        strips = StripWriter(dst, 4, "uint8" if final else "uint16", write_mask=final,
                             region_rows=layout.stride)
        pad = layout.pad
        while True:
            got = stage.get(out_q)
            if got is _END:
                break
            item = cast(_Done, got)
            region = blender.add(item.block, item.rgb)
            if item.window is None or item.valid is None:
                continue
            r0, r1, c0, c1 = item.window
            y0 = item.block.final_rows[0] - pad
            x0 = item.block.final_cols[0] - pad
            sub = region[:, r0 - y0:r1 - y0, c0 - x0:c1 - x0]
            if final:
                data, mask = quantize_final(sub, item.valid)
                strips.put(r0, r1, c0, c1, np.concatenate([data, mask[None]]))
            else:
                strips.put(r0, r1, c0, c1, quantize_intermediate(sub, item.valid))
        if stage.stop.is_set():
            return
        strips.close()
        if final:
            build_overviews(dst)

