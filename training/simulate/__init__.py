"""Terrain-aware scene simulator: generated or real mountains, land cover, optical and
Sentinel-1-like SAR images and distortion masks on one projected grid (docs/SIMULATOR.md).
Imports core only."""
from .dataset import simulate_dataset
from .landcover import LEGEND
from .real_dem import load_dem, write_sample_dem
from .scene import Scene, SceneSpec, simulate_scene
from .scene_io import write_scene

__all__ = ["LEGEND", "Scene", "SceneSpec", "load_dem", "simulate_dataset", "simulate_scene",
           "write_sample_dem", "write_scene"]
