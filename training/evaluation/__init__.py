"""Scoring translations as the paper does: metrics per distortion region, FID, the
flat-colour reference, reports, figures and seed-averaged experiments. Imports core,
training.datasets and training.train."""
