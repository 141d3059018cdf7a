"""What the device picker offers: the GPU torch can use, by name, or a plain "none found"
so the analyst knows why a run is slow before starting it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceChoice:
    """One entry of the device picker; ``key`` is the core's device name."""

    key: str
    label: str
    available: bool = True


def detect_gpu() -> str | None:
    """Name of the first CUDA device, or None (no GPU, or torch not importable). torch is
    imported only where an NVIDIA driver is present: it takes seconds and is not needed
    to translate with ONNX Runtime."""
    from ..core.translate.runtime import nvidia_driver_present

    if not nvidia_driver_present():
        return None
    try:
        import torch
    except Exception:  # a broken torch install means "no GPU" here
        return None
    try:
        if torch.cuda.is_available():
            return str(torch.cuda.get_device_name(0))
    except RuntimeError:
        return None
    return None


def device_choices(gpu: str | None) -> list[DeviceChoice]:
    """Automatic, CPU and GPU entries; the GPU entry is disabled when there is none."""
    auto = f"Automatic: GPU {gpu}" if gpu else "Automatic: CPU (no GPU)"
    cuda = DeviceChoice("cuda", f"GPU: {gpu}", True) if gpu else DeviceChoice(
        "cuda", "GPU (none found)", False)
    return [DeviceChoice("auto", auto), DeviceChoice("cpu", "CPU"), cuda]
