"""What a training run is asked to do (``TrainConfig``) and what it produced (``RunResult``).

Defaults follow the papers: SARDINet family L1 + Adam lr 1e-5, batch 24, 100 epochs;
pix2pix GAN + 100 L1, Adam 2e-4 (0.5, 0.999); CycleGAN LSGAN, cycle 10, pool 50, constant
then linear learning-rate decay. ``lr=None`` picks the family's default.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ...core.errors import InputError
from .losses import SUPERVISED_LOSSES

FAMILY_LR = {"supervised": 1e-5, "pix2pix": 2e-4, "cyclegan": 2e-4}


@dataclass
class TrainConfig:
    """Everything ``train()`` needs; ``sardine train`` maps its options one to one."""

    data: str                         # dataset folder (layout auto-detected)
    out: str                          # run folder (created; must be empty unless resume)
    model: str = "sardinet-late"      # a name from core.models' registry
    init: str | None = None           # warm start: weights file or bundled name
    epochs: int = 100
    batch: int = 24                   # per process (DDP multiplies it by the world size)
    lr: float | None = None           # None: 1e-5 SARDINet family, 2e-4 GANs
    device: str = "auto"              # auto, cpu, cuda, cuda:N, mps
    seed: int = 0
    workers: int = 0                  # DataLoader worker processes
    resume: bool = False
    augment: bool = False             # flips / 90-degree rotations (off in the paper)
    patch: int = 256                  # scene triplets: window size
    stride: int | None = None         # scene triplets: window step (None: = patch)
    model_config: dict | None = None  # widths etc. passed to build_model (tiny test nets)
    dataset_kind: str | None = None   # force a reader: patches, sen12, bigearthnet, scenes
    dem_max_m: float | None = None    # DEM scaling; None keeps Normalization's default
    amp: bool = True                  # mixed precision on CUDA (bf16 if supported, else fp16)
    previews: int = 4                 # validation patches drawn in previews/
    recalibrate_bn: bool = False      # re-estimate BatchNorm statistics after each epoch
    loss: str = "l1"                  # SARDINet family: l1 (paper) or mse; picks best epoch
    lambda_l1: float = 100.0          # pix2pix
    lambda_cycle: float = 10.0        # CycleGAN, each way
    lambda_identity: float = 0.5      # CycleGAN, times lambda_cycle; 0 when channels differ
    pool_size: int = 50               # CycleGAN image pool
    ndf: int = 64                     # GAN discriminators: first width (PatchGAN)
    d_layers: int = 3                 # GAN discriminators: 3 = 70x70 receptive field
    decay_epochs: int | None = None   # CycleGAN: linear decay over the last N (None: half)
    max_minutes: float | None = None  # stop after the epoch that passes this wall time
    notes: str = ""                   # free text stored in the weights metadata
    onnx_twin: bool = True            # also write model.onnx (faster translation on CPU)
    extra_metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"--{name} must be at least 1 (got {getattr(self, name)}).")
        if self.workers < 0:
            raise InputError(f"--workers must be 0 or more (got {self.workers}).")
        if self.lr is not None and not (math.isfinite(self.lr) and self.lr > 0):
            raise InputError(f"--lr must be a positive number such as 1e-5 (got {self.lr}).")
        _check_numbers(self)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def run_dir(self) -> Path:
        return Path(self.out).expanduser()


def _check_numbers(cfg: TrainConfig) -> None:
    """Options that would crash the run late or train on garbage, refused up front."""
    if cfg.dem_max_m is not None and not (math.isfinite(cfg.dem_max_m) and cfg.dem_max_m > 0):
        raise InputError(f"--dem-max must be a positive height in metres such as 4000 (got "
                         f"{cfg.dem_max_m}).")
    if int(cfg.patch) < 16:
        raise InputError(f"--patch must be at least 16 pixels (got {cfg.patch}); 256 is the "
                         "default.")
    if cfg.stride is not None and int(cfg.stride) < 1:
        raise InputError(f"--stride must be at least 1 pixel (got {cfg.stride}).")
    if cfg.loss not in SUPERVISED_LOSSES:
        raise InputError(f"--loss must be one of {', '.join(SUPERVISED_LOSSES)} (got "
                         f"{cfg.loss!r}).")
    if int(cfg.previews) < 0:
        raise InputError(f"--previews must be 0 or more (got {cfg.previews}).")
    if cfg.max_minutes is not None and not (math.isfinite(cfg.max_minutes)
                                            and cfg.max_minutes > 0):
        raise InputError(f"--max-minutes must be a positive number (got {cfg.max_minutes}).")
    data, out = Path(cfg.data).expanduser().resolve(), Path(cfg.out).expanduser().resolve()
    if out == data or data in out.parents:
        raise InputError(f"--out {cfg.out} is {'the' if out == data else 'inside the'} "
                         "training data folder; give a run folder outside --data so the "
                         "run never mixes with your data.")


@dataclass
class RunResult:
    """What a finished run left in its folder, for callers such as ``sardine experiment``."""

    run_dir: Path
    model_path: Path                  # best validation L1 (model.safetensors)
    last_path: Path                   # last epoch (last.safetensors, + state.safetensors)
    best_epoch: int
    best_val_l1: float
    metrics: dict                     # validation metrics of the best epoch
    history: list[dict]               # one row per epoch, as in history.csv
    split: dict[str, list[str]]       # item names of train / val / test
    onnx: Path | None = None          # model.onnx, the ONNX twin of model_path, if written

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("run_dir", "model_path", "last_path", "onnx"):
            data[key] = None if data[key] is None else str(data[key])
        return json.dumps(data, indent=2)
