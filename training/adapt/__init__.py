"""Adapt a model to the analyst's own site: fine-tune on a SAR + cloud-free optical pair,
checked honestly on held-out blocks (``adapt(AdaptConfig) -> AdaptResult``)."""
from .config import AdaptConfig
from .run import AdaptResult, adapt

__all__ = ["AdaptConfig", "AdaptResult", "adapt"]
