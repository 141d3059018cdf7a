"""Dataset readers on real files: BigEarthNet from the wheel, PNG pairs, patch folders, and a
simulated scene whose DEM is in another CRS; bad input gives errors naming the file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch
from rasterio.crs import CRS
from sardine.core.errors import InputError
from sardine.training.datasets import (
    BigEarthNetDataset,
    PatchFolderDataset,
    SceneTripletDataset,
    Sen12PngDataset,
    augment_sample,
    extract_bigearthnet_example,
    make_split,
    open_dataset,
)
from support import write_patch_folder, write_raster


@pytest.fixture(scope="module")
def bigearthnet(tmp_path_factory) -> Path:
    return extract_bigearthnet_example(tmp_path_factory.mktemp("ben"))


def test_bigearthnet_from_the_wheel(bigearthnet):
    ds = open_dataset(bigearthnet)
    assert isinstance(ds, BigEarthNetDataset)
    assert len(ds) == 6 and not ds.has_dem and ds.pixel_size_m == 10.0
    sample = ds[0]
    assert sample["sar"].shape == (2, 120, 120) and sample["sar"].dtype == torch.float32
    assert sample["optical"].shape == (3, 120, 120)
    assert sample["dem"].abs().sum() == 0 and not bool(sample["has_dem"])
    for key in ("sar", "optical"):
        assert 0.0 <= float(sample[key].min()) and float(sample[key].max()) <= 1.0
    # Reflectance / 3000 gives a displayable image, neither black nor saturated.
    assert 0.05 < float(sample["optical"].mean()) < 0.8
    assert sample["valid"].dtype == torch.bool


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_png_pairs(tmp_path):
    from skimage.io import imsave

    rng = np.random.default_rng(1)
    for sub in ("s1", "s2"):
        (tmp_path / sub).mkdir()
    for i in range(4):
        imsave(tmp_path / "s1" / f"ROI_s1_{i}_p{i}.png",
               rng.integers(0, 255, (64, 64), dtype=np.uint8), check_contrast=False)
        imsave(tmp_path / "s2" / f"ROI_s2_{i}_p{i}.png",
               rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), check_contrast=False)
    ds = open_dataset(tmp_path)
    assert isinstance(ds, Sen12PngDataset) and len(ds) == 4
    sample = ds[0]
    assert sample["sar"].shape == (1, 64, 64) and sample["optical"].shape == (3, 64, 64)
    raw = rasterio.open(tmp_path / "s1" / "ROI_s1_0_p0.png").read(1)
    # The 8-bit SEN1-2 scaling round-trips: unit value = v / 255.
    np.testing.assert_allclose(sample["sar"][0].numpy(), raw / 255.0, atol=1e-6)
    assert ds.norm.sar_bands == ("VV",)


def test_patch_folder_and_split(tmp_path):
    root = write_patch_folder(tmp_path / "data", count=10, distortion=True)
    ds = open_dataset(root)
    assert isinstance(ds, PatchFolderDataset) and len(ds) == 10 and ds.has_dem
    sample = ds[3]
    assert set(sample) >= {"sar", "dem", "optical", "valid", "distortion", "has_dem"}
    assert float(sample["dem"].max()) <= 3000 / 4000 + 1e-6
    split = make_split(ds, seed=0)
    assert sorted(len(v) for v in split.values()) == [1, 1, 8]
    assert split == make_split(PatchFolderDataset(root), seed=0)
    assert not set(split["train"]) & set(split["val"])


def test_augmentation_keeps_images_aligned(tmp_path):
    ds = PatchFolderDataset(write_patch_folder(tmp_path / "d", count=3))
    sample = ds[0]
    for code in range(8):
        out = augment_sample(sample, code)
        # The same geometric transform applied to the optical and to SAR: compare a map
        # of where the (unique) maximum of VV moved with where it moved in red.
        idx_sar = np.unravel_index(int(out["sar"][0].argmax()), out["sar"].shape[1:])
        idx_opt = np.unravel_index(int(out["optical"][0].argmax()), out["optical"].shape[1:])
        assert out["sar"][0][idx_opt] == out["sar"][0][idx_sar]


def test_scene_with_dem_in_another_crs(tmp_path):
    from sardine.training.simulate.scene import SceneSpec, simulate_scene
    from sardine.training.simulate.scene_io import write_scene

    folder = tmp_path / "scene"
    write_scene(simulate_scene(SceneSpec(size=96, seed=3)), folder)
    # Re-project the DEM to geographic coordinates: the reader must warp it back.
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(folder / "dem.tif") as src:
        dst_crs = CRS.from_epsg(4326)
        transform, width, height = calculate_default_transform(
            src.crs, dst_crs, src.width, src.height, *src.bounds)
        profile = dict(src.profile, crs=dst_crs, transform=transform, width=width,
                       height=height)
        data = src.read(1)
        src_crs, src_transform = src.crs, src.transform
    (folder / "dem.tif").unlink()
    with rasterio.open(folder / "dem.tif", "w", **profile) as dst:
        reproject(data, rasterio.band(dst, 1), src_transform=src_transform, src_crs=src_crs,
                  dst_transform=transform, dst_crs=dst_crs, resampling=Resampling.bilinear)
    ds = open_dataset(folder, patch=32, stride=32)
    assert isinstance(ds, SceneTripletDataset) and ds.has_dem
    assert len(ds) == 9
    sample = ds[4]  # the centre window is inside every footprint
    dem = sample["dem"][0].numpy() * ds.norm.dem_max_m
    np.testing.assert_allclose(dem, data[32:64, 32:64], rtol=0.05, atol=25.0)


def test_scene_cloud_mask_marks_invalid(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "s"
    folder.mkdir()
    write_raster(folder / "sar.tif", np.stack([-10 + rng.normal(size=(64, 64))] * 2),
                 dtype="float32")
    write_raster(folder / "optical.tif", rng.integers(1, 3000, (3, 64, 64)), dtype="uint16")
    scl = np.full((64, 64), 4, np.uint8)
    scl[:, :16] = 9  # cloud (high probability)
    write_raster(folder / "scl.tif", scl, dtype="uint8")
    ds = SceneTripletDataset(folder, patch=32)
    assert not ds.has_dem and len(ds) == 4
    sample = ds[0]
    valid = sample["valid"][0].numpy()
    assert not valid[:, :16].any() and valid[:, 16:].all()
    assert ds.norm.optical_scale == 3000.0


def test_empty_folder(tmp_path):
    with pytest.raises(InputError, match="is empty"):
        open_dataset(tmp_path)


def test_mismatched_names(tmp_path):
    root = write_patch_folder(tmp_path / "d", count=3)
    (root / "optical" / "patch_001.tif").rename(root / "optical" / "other.tif")
    with pytest.raises(InputError, match="patch_001.tif"):
        open_dataset(root)


def test_patches_of_different_sizes(tmp_path):
    root = write_patch_folder(tmp_path / "d", count=3)
    write_raster(root / "optical" / "patch_002.tif", np.zeros((3, 16, 16)), dtype="uint8")
    with pytest.raises(InputError, match="patch_002.tif"):
        open_dataset(root)


def test_optical_with_wrong_band_count(tmp_path):
    root = write_patch_folder(tmp_path / "d", count=3)
    write_raster(root / "optical" / "patch_001.tif", np.zeros((2, 32, 32)), dtype="uint8")
    with pytest.raises(InputError, match=r"patch_001\.tif.*2 band"):
        open_dataset(root)


def test_bigearthnet_missing_partner(tmp_path, bigearthnet):
    import shutil

    root = tmp_path / "ben"
    shutil.copytree(bigearthnet, root)
    s1 = sorted((root / "BigEarthNet-S1-Example").iterdir())[0]
    partner = json.loads(next(s1.glob("*_labels_metadata.json")).read_text())
    shutil.rmtree(root / "BigEarthNet-S2-Example" / partner["corresponding_s2_patch"])
    with pytest.raises(InputError, match=partner["corresponding_s2_patch"]):
        open_dataset(root)
