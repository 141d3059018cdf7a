"""Datasets and loaders of a run: the split, the (distributed) samplers, fixed previews.

Shuffling is seeded by (seed, epoch) through DistributedSampler, which works with one
process too, so the order of batches depends only on the seed and the epoch: a resumed
run sees exactly the batches the uninterrupted run would have seen.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler, Subset

from ...core.errors import InputError
from ...core.normalization import Normalization
from ..datasets import SardineDataset, open_dataset, resolve_split
from ..datasets.split import indices_of
from .config import TrainConfig
from .ddp import DistContext

MEAN_COLOUR_PATCHES = 200  # the starting colour is settled long before that


class ShardSampler(Sampler[int]):
    """Every world_size-th index from ``rank``: each validation item is seen exactly once."""

    def __init__(self, length: int, rank: int, world_size: int) -> None:
        self.indices = list(range(rank, length, world_size))

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


@dataclass
class RunData:
    dataset: SardineDataset
    split: dict[str, list[str]]
    train: Subset
    val: Dataset
    sampler: DistributedSampler

    def loaders(self, cfg: TrainConfig, ctx: DistContext, epoch: int
                ) -> tuple[DataLoader, DataLoader]:
        """Loaders for one epoch (workers are re-created so they see the epoch number)."""
        self.dataset.set_epoch(epoch)
        self.sampler.set_epoch(epoch)
        pin = ctx.device.type == "cuda"
        train = DataLoader(self.train, batch_size=cfg.batch, sampler=self.sampler,
                           num_workers=cfg.workers, pin_memory=pin, drop_last=False,
                           generator=torch.Generator().manual_seed(cfg.seed + epoch))
        val = DataLoader(self.val, batch_size=cfg.batch,
                         sampler=ShardSampler(len(self.val), ctx.rank, ctx.world_size),
                         num_workers=cfg.workers, pin_memory=pin)
        return train, val

    def mean_colour(self, limit: int = MEAN_COLOUR_PATCHES) -> list[float] | None:
        """Mean RGB over the valid pixels of (at most ``limit`` evenly spaced) training
        patches, unaugmented; None when none is valid. A fresh model starts there."""
        indices = self.train.indices
        if len(indices) > limit:
            indices = [indices[round(i * (len(indices) - 1) / (limit - 1))]
                       for i in range(limit)]
        view = _NoAugment(self.dataset, list(indices))
        total = torch.zeros(3, dtype=torch.float64)
        pixels = 0
        for i in range(len(view)):
            sample = view[i]
            valid = sample["valid"][0].bool()
            total += sample["optical"][:, valid].double().sum(dim=1)
            pixels += int(valid.sum())
        return (total / pixels).tolist() if pixels else None

    def preview_samples(self, count: int) -> list[dict]:
        """The first ``count`` validation patches (the validation view never augments)."""
        return [self.val[i] for i in range(min(count, len(self.val)))]


class _NoAugment(Dataset):
    """Validation view of some items of a dataset, never flipped or rotated."""

    def __init__(self, dataset: SardineDataset, indices: list[int]) -> None:
        self.dataset = dataset
        self.indices = list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int) -> dict:
        dataset = self.dataset
        augment = dataset.augment
        dataset.augment = False
        try:
            return dataset[self.indices[idx]]
        finally:
            dataset.augment = augment


def build_run_data(cfg: TrainConfig, ctx: DistContext, run_dir,
                   sar_channels: int | None = None,
                   init_norm: Normalization | None = None) -> RunData:
    """Open the data, decide the split, and check it suits the model. ``init_norm`` (a
    warm start's) keeps the SAR dB ranges and DEM scaling the weights were trained with."""
    norm = None
    if cfg.dem_max_m is not None:
        norm = replace(Normalization(), dem_max_m=float(cfg.dem_max_m))
    dataset = open_dataset(cfg.data, kind=cfg.dataset_kind, norm=norm, augment=cfg.augment,
                           seed=cfg.seed, patch=cfg.patch, stride=cfg.stride)
    if init_norm is not None and dataset.sar_channels == len(init_norm.sar_bands):
        dem_max = float(cfg.dem_max_m) if cfg.dem_max_m is not None else init_norm.dem_max_m
        dataset.norm = replace(dataset.norm, sar_db_ranges=init_norm.sar_db_ranges,
                               dem_max_m=dem_max)
    if sar_channels is not None and dataset.sar_channels != sar_channels:
        raise InputError(f"{cfg.data} has {dataset.sar_channels} SAR band(s) "
                         f"({', '.join(dataset.norm.sar_bands)}) but {cfg.model} takes "
                         f"{sar_channels}; choose a model for these bands (see --config).")
    split = resolve_split(dataset, run_dir, cfg.seed)
    train = Subset(dataset, indices_of(dataset, split["train"]))
    val = _NoAugment(dataset, indices_of(dataset, split["val"]))
    if len(train) == 0 or len(val) == 0:
        raise InputError(f"The split of {cfg.data} leaves no training or validation patch; "
                         "add data.")
    sampler = DistributedSampler(train, num_replicas=ctx.world_size, rank=ctx.rank,
                                 shuffle=True, seed=cfg.seed, drop_last=False)
    return RunData(dataset, split, train, val, sampler)
