"""Optional ``torch.compile`` of a model's forward pass for long translations.

Why opt-in: on a 2-core CPU the compiled sardinet-late runs 1.23x faster per batch of
512^2 tiles (docs/PERFORMANCE.md), but compiling costs about 20 s per input shape (a tile
row's last, smaller batch is a second shape), so it pays only from a few hundred tiles on.
Inductor needs a C compiler; where compiling fails, the run goes on uncompiled with a
warning instead of failing.
"""
from __future__ import annotations

from collections.abc import Callable

import torch


def compile_forward(module: torch.nn.Module, warn: Callable[[str], None]) -> None:
    """Replace ``module.forward`` by a compiled version that falls back to eager once."""
    eager = module.forward
    compiled = torch.compile(eager, dynamic=False)
    state = {"fn": compiled}

    def forward(*args, **kwargs):
        fn = state["fn"]
        if fn is eager:
            return eager(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any compiler failure: eager still works
            state["fn"] = eager
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            warn(f"torch.compile failed ({type(exc).__name__}: {first}); translating "
                 "without it.")
            return eager(*args, **kwargs)

    module.forward = forward
