"""The trainer: configuration, data loading, per-family steps, losses, checkpoints, DDP and
the export of shippable weights. Imports core, training.datasets and training.evaluation."""
