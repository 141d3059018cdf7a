"""The spatial block split: whole square blocks go to training, monitoring or the check.

Random pixels would leak (a held-out pixel's neighbours, nearly identical, are trained on),
so the area is cut into blocks and each block goes, whole, to exactly one part:

- ``check``: ``holdout`` of the clear pixels, scored once at the end (never seen before);
- ``monitor``: a few training-side blocks whose loss drives early stopping, so the check
  is not also the stopping criterion (its score stays unbiased);
- ``train``: the rest.

Blocks are assigned greedily in a seeded random order until each held-out part holds its
share of the clear pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.errors import InputError

PARTS = ("train", "monitor", "check")
MONITOR_SHARE = 0.1
MIN_PIXELS_PER_PART = 1024


@dataclass
class BlockSplit:
    block: int                    # block side in pixels
    labels: np.ndarray            # (H, W) int: block id of each pixel
    part_of_block: np.ndarray     # (n_blocks,) int: 0 train, 1 monitor, 2 check

    def mask(self, part: str) -> np.ndarray:
        """(H, W) bool of the pixels in ``part``."""
        return self.part_of_block[self.labels] == PARTS.index(part)

    def blocks(self, part: str) -> list[tuple[slice, slice]]:
        """Row/column slices of each block of ``part``."""
        height, width = self.labels.shape
        per_row = -(-width // self.block)
        out = []
        for block_id in np.flatnonzero(self.part_of_block == PARTS.index(part)):
            r, c = divmod(int(block_id), per_row)
            out.append((slice(r * self.block, min(height, (r + 1) * self.block)),
                        slice(c * self.block, min(width, (c + 1) * self.block))))
        return out

    def to_dict(self) -> dict:
        return {"block_px": self.block,
                **{f"{p}_blocks": int((self.part_of_block == i).sum())
                   for i, p in enumerate(PARTS)}}


def block_size(height: int, width: int) -> int:
    """About 8 blocks across the short side, between 32 and 128 px (multiple of 8)."""
    side = min(height, width) // 8
    return int(max(32, min(128, side // 8 * 8)))


def block_split(valid: np.ndarray, holdout: float, seed: int = 0,
                block: int | None = None) -> BlockSplit:
    """Assign whole blocks to train / monitor / check (see the module docstring)."""
    height, width = valid.shape
    block = block or block_size(height, width)
    rows, cols = -(-height // block), -(-width // block)
    r_index = (np.arange(height) // block)[:, None]
    c_index = (np.arange(width) // block)[None, :]
    labels = (r_index * cols + c_index).astype(np.int64)
    clear = np.bincount(labels[valid], minlength=rows * cols)
    total = int(clear.sum())
    order = np.random.default_rng(seed).permutation(rows * cols)
    order = order[clear[order] > 0]
    if order.size < 3:
        raise InputError(f"Only {order.size} block(s) of {block} px hold clear pixels; the "
                         "check needs whole blocks kept apart from training. Give a larger "
                         "area or a less cloudy optical image.")
    part = np.zeros(rows * cols, np.int64)
    targets = ((2, holdout * total), (1, MONITOR_SHARE * total))
    position = 0
    for label, share in targets:
        got = 0
        while position < order.size - 1 and (got < share or got == 0):
            part[order[position]] = label
            got += int(clear[order[position]])
            position += 1
    split = BlockSplit(block, labels, part)
    for name in PARTS:
        if int((split.mask(name) & valid).sum()) < MIN_PIXELS_PER_PART:
            raise InputError(f"Too few clear pixels for the {name} part of the block split "
                             f"({int((split.mask(name) & valid).sum())}, need "
                             f"{MIN_PIXELS_PER_PART}); give a larger or less cloudy area.")
    return split
