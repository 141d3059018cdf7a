"""Mixed precision and memory layout on GPU, plain float32 elsewhere.

On CUDA: autocast to bfloat16 when the GPU supports it (no loss scaling needed), else to
float16 with a GradScaler; tensors and models in channels_last, which the tensor cores
prefer for convolutions. On CPU every method is a no-op, so steps are written once.
"""
from __future__ import annotations

import contextlib

import torch


class Amp:
    def __init__(self, device: torch.device, enabled: bool = True) -> None:
        self.device = device
        self.enabled = bool(enabled) and device.type == "cuda"
        self.dtype = None
        if self.enabled:
            self.dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.enabled
                                           and self.dtype == torch.float16)
        self.channels_last = device.type == "cuda"

    def autocast(self):
        if not self.enabled:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.dtype)

    def prepare_model(self, model: torch.nn.Module) -> torch.nn.Module:
        model = model.to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        return model

    def to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.to(self.device, non_blocking=True)
        if self.channels_last and tensor.dim() == 4 and tensor.is_floating_point():
            tensor = tensor.contiguous(memory_format=torch.channels_last)
        return tensor

    def backward(self, loss: torch.Tensor) -> None:
        self.scaler.scale(loss).backward()

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        self.scaler.step(optimizer)

    def update(self) -> None:
        """Once per iteration, after every optimizer of the iteration has stepped."""
        self.scaler.update()

    def state(self) -> dict:
        return self.scaler.state_dict() if self.scaler.is_enabled() else {}

    def load(self, state: dict) -> None:
        if state and self.scaler.is_enabled():
            self.scaler.load_state_dict(state)
