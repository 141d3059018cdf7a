"""Distributed data parallel through PyTorch's own launcher.

``torchrun --nproc-per-node N -m sardine.training ...`` sets ``RANK``, ``LOCAL_RANK`` and
``WORLD_SIZE``; each process then trains on its shard of every batch (DistributedSampler)
and DistributedDataParallel averages the gradients. NCCL on CUDA, gloo on CPU. Only rank 0
writes the run folder; everything else is computed identically on every rank.
"""
from __future__ import annotations

import gc
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ...core.errors import InputError


@dataclass
class DistContext:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def sum(self, values: list[float]) -> list[float]:
        """Element-wise sum over all ranks (identity when not distributed)."""
        if not self.enabled:
            return list(values)
        backend_device = self.device if dist.get_backend() == "nccl" else torch.device("cpu")
        tensor = torch.tensor(values, dtype=torch.float64, device=backend_device)
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def any(self, flag: bool) -> bool:
        """True on every rank when any rank says True (e.g. one was cancelled)."""
        return bool(self.sum([1.0 if flag else 0.0])[0] > 0)

    def close(self, graceful: bool = True) -> None:
        """Leave the process group while the interpreter is still whole.

        The caller first drops every DistributedDataParallel wrapper (their C++ reducers
        hold the group): otherwise ``destroy_process_group`` only forgets the group, and
        gloo's threads are torn down later, during interpreter finalisation, in whatever
        order it frees things; a rank could then die in ``std::terminate`` ("terminate
        called without an active exception") after a successful run. ``graceful`` waits
        for every rank first, so none is still inside a collective; on an error path a
        peer may never arrive, so it is skipped there.
        """
        if not (self.enabled and dist.is_initialized()):
            return
        gc.collect()  # DDP wrappers in reference cycles: free them (and their hold on the group)
        if graceful:
            dist.barrier()
        dist.destroy_process_group()


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """``auto`` -> CUDA (this process's GPU) when available, else CPU."""
    name = (name or "auto").lower()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(f"--device {name} was asked for but PyTorch sees no CUDA GPU; "
                             "use --device cpu or install a CUDA build of PyTorch.")
        if name == "cuda":
            name = f"cuda:{local_rank % torch.cuda.device_count()}"
    elif name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise InputError("--device mps was asked for but is not available; use cpu.")
    elif name != "cpu":
        raise InputError(f"Unknown --device {name!r}; use auto, cpu, cuda, cuda:N or mps.")
    return torch.device(name)


def setup(device_name: str) -> DistContext:
    """Join the process group when launched by torchrun, else a single-process context."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(device_name, local_rank)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    return DistContext(rank=rank, local_rank=local_rank, world_size=world, device=device)


def wrap(model: torch.nn.Module, ctx: DistContext) -> torch.nn.Module:
    """DistributedDataParallel around a module when distributed, the module otherwise."""
    if not ctx.enabled or not any(p.requires_grad for p in model.parameters()):
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def sync_buffers(model: torch.nn.Module, ctx: DistContext) -> None:
    """Copy rank 0's buffers (BatchNorm running statistics) to every rank, so validation
    and the saved weights agree across processes."""
    if not ctx.enabled:
        return
    for buffer in unwrap(model).buffers():
        dist.broadcast(buffer.data, src=0)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if hasattr(model, "module") else model
