"""Tile layout, blending weights and the bounded-memory blender.

The image (on the working grid) is reflect-padded by ``pad`` pixels on every side and
covered by ``tile x tile`` tiles at a stride of ``tile - overlap``. Tiles are processed in
*blocks*: runs of up to ``per_block`` tiles of one tile row, in row-major order. Each tile's
output is weighted by a smooth window that falls to zero at the tile's edges; in every
overlap the two windows sum to exactly one, so the blend has no seam and needs no
normalisation beyond a guard. Only one overlap strip (``overlap`` rows of the image's
width) is carried between tile rows, and ``overlap`` columns between blocks: memory does not
depend on the image's height, and grows with its width only by those strips.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class Block:
    """A run of tiles ``col0 <= c < col1`` in tile row ``row``."""

    index: int
    row: int
    col0: int
    col1: int
    stride: int
    tile: int
    pad: int

    @property
    def n_tiles(self) -> int:
        return self.col1 - self.col0

    @property
    def span_rows(self) -> tuple[int, int]:
        """Rows (padded coordinates) the block's input covers."""
        y0 = self.row * self.stride
        return y0, y0 + self.tile

    @property
    def span_cols(self) -> tuple[int, int]:
        x0 = self.col0 * self.stride
        return x0, (self.col1 - 1) * self.stride + self.tile

    @property
    def final_rows(self) -> tuple[int, int]:
        """Rows (padded coordinates) whose blend is complete once this block is done."""
        return self.row * self.stride, (self.row + 1) * self.stride

    @property
    def final_cols(self) -> tuple[int, int]:
        return self.col0 * self.stride, self.col1 * self.stride


@dataclass(frozen=True)
class TileLayout:
    """Where the tiles of an ``height x width`` image go."""

    height: int
    width: int
    tile: int
    overlap: int
    pad: int

    def __post_init__(self) -> None:
        if self.tile <= 0 or self.overlap < 0 or 2 * self.overlap > self.tile:
            raise InputError(f"Tile {self.tile} with overlap {self.overlap} is not possible: "
                             "the overlap must be at least 0 and at most half the tile.")
        if self.pad < self.overlap:
            raise InputError("The edge padding must be at least the overlap.")

    @classmethod
    def fitted(cls, height: int, width: int, tile: int, overlap: int, pad: int,
               multiple: int = 1) -> TileLayout:
        """The layout with as many tiles as ``tile`` needs, each shrunk to the smallest size
        that still covers the image.

        Why: with a fixed size the last tile row and column run mostly over padding (a
        4096-pixel raster at tile 512 and overlap 64 needs 10 tiles of stride 448 covering
        4544 pixels), and the model's time is spent on pixels nobody keeps. The stride stays
        a multiple of ``multiple`` so every tile falls on the model's pooling grid.
        """
        base = cls(height, width, tile, overlap, pad)
        m = max(1, int(multiple))
        need = max(math.ceil((pad + height) / base.n_rows), math.ceil((pad + width) / base.n_cols))
        stride = min(base.stride, -(-need // m) * m)
        stride = max(stride, overlap, 1)
        return cls(height, width, stride + overlap, overlap, pad)

    @property
    def stride(self) -> int:
        return self.tile - self.overlap

    @property
    def n_rows(self) -> int:
        return max(1, math.ceil((self.pad + self.height) / self.stride))

    @property
    def n_cols(self) -> int:
        return max(1, math.ceil((self.pad + self.width) / self.stride))

    @property
    def n_tiles(self) -> int:
        return self.n_rows * self.n_cols

    @property
    def padded_width(self) -> int:
        """Width (padded coordinates) the tiles cover."""
        return (self.n_cols - 1) * self.stride + self.tile

    def blocks(self, per_block: int) -> Iterator[Block]:
        """Blocks in row-major order, each at most ``per_block`` tiles of one tile row."""
        per_block = max(1, int(per_block))
        index = 0
        for row in range(self.n_rows):
            for col0 in range(0, self.n_cols, per_block):
                yield Block(index, row, col0, min(self.n_cols, col0 + per_block),
                            self.stride, self.tile, self.pad)
                index += 1

    def n_blocks(self, per_block: int) -> int:
        return self.n_rows * math.ceil(self.n_cols / max(1, int(per_block)))

    def image_window(self, rows: tuple[int, int], cols: tuple[int, int]
                     ) -> tuple[int, int, int, int] | None:
        """Padded-coordinate spans -> (row0, row1, col0, col1) clipped to the image."""
        r0, r1 = max(0, rows[0] - self.pad), min(self.height, rows[1] - self.pad)
        c0, c1 = max(0, cols[0] - self.pad), min(self.width, cols[1] - self.pad)
        if r0 >= r1 or c0 >= c1:
            return None
        return r0, r1, c0, c1

    def weights(self) -> np.ndarray:
        """(tile, tile) float32 blending window (see ``ramp``)."""
        w = ramp(self.tile, self.overlap)
        return np.outer(w, w).astype(np.float32)


def ramp(tile: int, overlap: int) -> np.ndarray:
    """1-D weights: zero in the outer quarter of the overlap (where a convolutional net
    sees the tile edge), a smoothstep across the middle half, one inside.

    For a pixel at offset j in an overlap, the left tile's weight is f(1 - t) and the right
    tile's is f(t) with t = (j + 0.5) / overlap, and f(t) + f(1 - t) = 1.
    """
    if overlap == 0:
        return np.ones(tile, dtype=np.float64)
    i = np.arange(tile, dtype=np.float64)
    distance = np.minimum(i, tile - 1 - i) + 0.5
    t = distance / overlap
    dead = 0.25
    u = np.clip((t - dead) / (1.0 - 2.0 * dead), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def reflect_index(index: np.ndarray, n: int) -> np.ndarray:
    """Map any integer positions onto [0, n) by mirror reflection about the edge pixels
    (numpy's 'reflect' mode, repeated for positions far outside)."""
    index = np.asarray(index, dtype=np.int64)
    if n == 1:
        return np.zeros_like(index)
    period = 2 * (n - 1)
    m = np.abs(index) % period
    return np.where(m >= n, period - m, m)


class Blender:
    """Accumulates weighted tile outputs block by block and yields finished regions.

    Carries ``overlap`` rows across tile rows and ``overlap`` columns across blocks, so
    each block's final region is complete when the block is added (see module docstring).
    """

    def __init__(self, layout: TileLayout, channels: int = 3) -> None:
        self.layout = layout
        self.channels = channels
        self.window = layout.weights()
        o, width = layout.overlap, layout.padded_width
        self._top = np.zeros((channels + 1, o, width), dtype=np.float32)
        self._next_top = np.zeros_like(self._top)
        self._left: np.ndarray | None = None
        self._row = 0

    def add(self, block: Block, tiles: np.ndarray) -> np.ndarray:
        """Blend ``tiles`` (n, channels, T, T) of ``block``; return its final region
        (channels, stride, n * stride) in padded coordinates, normalised by the weights."""
        lay = self.layout
        s, t, o = lay.stride, lay.tile, lay.overlap
        if block.row != self._row:
            self._top, self._next_top = self._next_top, self._top
            self._next_top.fill(0.0)
            self._left = None
            self._row = block.row
        n = block.n_tiles
        acc = np.zeros((self.channels + 1, t, n * s + o), dtype=np.float32)
        for j in range(n):
            view = acc[:, :, j * s:j * s + t]
            view[:-1] += tiles[j] * self.window
            view[-1] += self.window
        x0, x1 = block.final_cols
        if o:
            acc[:, :o, :n * s] += self._top[:, :, x0:x1]
            if self._left is not None:
                acc[:, :s, :o] += self._left
            self._next_top[:, :, x0:x1 + o] += acc[:, s:, :]
            self._left = acc[:, :s, n * s:].copy()
        final = acc[:, :s, :n * s]
        weight = np.maximum(final[-1], 1e-6)
        return final[:-1] / weight
