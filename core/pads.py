"""Pad amounts to a network's size multiple; shared by the PyTorch and ONNX Runtime paths
(this module imports neither, so translation with ONNX weights needs no torch)."""
from __future__ import annotations

Pads = tuple[int, int, int, int]  # left, right, top, bottom, as torch.nn.functional.pad


def pads_for(height: int, width: int, multiple: int, min_size: int = 1) -> Pads:
    """Pad up to a multiple (and at least ``min_size``, below which a network's own reflect
    padding would fail), split evenly on both sides so edge effects are symmetric."""
    extra_h = max(height + (-height) % multiple, min_size) - height
    extra_w = max(width + (-width) % multiple, min_size) - width
    top, left = extra_h // 2, extra_w // 2
    return left, extra_w - left, top, extra_h - top
