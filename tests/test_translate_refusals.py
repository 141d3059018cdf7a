"""Every refusal of ``validate``/``translate``: raised before any output exists, with a
message that names the problem and the fix."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from affine import Affine
from sardine.core.errors import InputError, SardineError
from sardine.core.translate import TranslateParams, translate, validate
from support import (
    UTM,
    make_scene,
    sar_transform,
    sar_values,
    write_raster,
)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refusals")
    return make_scene(folder, 64)


def _params(sar, dem, weights, out, **kw) -> TranslateParams:
    kw.setdefault("device", "cpu")
    return TranslateParams(sar_path=sar, dem_path=dem, model=str(weights), out_path=out, **kw)


def _refused(params: TranslateParams, *phrases: str) -> str:
    with pytest.raises(SardineError) as info:
        validate(params)
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, message
    with pytest.raises(SardineError):  # translate refuses the same way, writing nothing
        translate(params)
    out = params.out_path
    assert not out.exists() and not list(out.parent.glob(f".{out.stem}*"))
    return message


def test_dem_without_overlap(scene, weights, tmp_path):
    sar, _ = scene
    far = Affine(10.0, 0, 700000.0, 0, -10.0, 4000000.0)
    dem = write_raster(tmp_path / "far.tif", np.full((1, 32, 32), 500, np.float32), UTM, far)
    _refused(_params(sar, dem, weights, tmp_path / "o.tif"), "does not overlap",
             "give a DEM that covers")


def test_dem_all_nodata_over_sar(scene, weights, tmp_path):
    sar, _ = scene
    dem = write_raster(tmp_path / "void.tif", np.full((1, 64, 64), -9999, np.float32), UTM,
                       sar_transform(), nodata=-9999.0)
    _refused(_params(sar, dem, weights, tmp_path / "o.tif"), "no data over the SAR")


def test_fusion_model_without_dem(scene, weights, tmp_path):
    sar, _ = scene
    _refused(_params(sar, None, weights, tmp_path / "o.tif"), "fuses a DEM", "give a DEM",
             "SAR-only model")


def test_sar_only_model_ignores_dem(scene, weights_sar_only, tmp_path):
    sar, dem = scene
    report = validate(_params(sar, dem, weights_sar_only, tmp_path / "o.tif"))
    assert any("does not use a DEM" in w for w in report.warnings)
    assert not report.uses_dem


@pytest.mark.parametrize("bands,phrases", [
    ((1, 3), ("has 2 band(s)", "band 3 does not exist", "from 1 to 2")),
    ((1,), ("takes 2 SAR band(s)", "choose 2 SAR band(s)")),
    ((2, 2), ("chosen twice", "2 different bands")),
])
def test_bad_band_choice(scene, weights, tmp_path, bands, phrases):
    sar, dem = scene
    _refused(_params(sar, dem, weights, tmp_path / "o.tif", sar_bands=bands), *phrases)


def test_single_band_sar(scene, weights, tmp_path):
    _, dem = scene
    one = write_raster(tmp_path / "vv.tif", sar_values(64, 64)[:1], UTM, sar_transform())
    _refused(_params(one, dem, weights, tmp_path / "o.tif"), "has 1 band(s)",
             "both polarisations", "gdalbuildvrt -separate")


def test_separate_polarisation_files_stacked_as_the_error_says(scene, weights,
                                                               tmp_path):
    """The fix the single-band error names (a VRT of VV.tif and VH.tif) is accepted."""
    gdal = pytest.importorskip("osgeo.gdal")
    _, dem = scene
    values = sar_values(64, 64)
    vv = write_raster(tmp_path / "vv.tif", values[:1], UTM, sar_transform())
    vh = write_raster(tmp_path / "vh.tif", values[1:2], UTM, sar_transform())
    vrt = tmp_path / "sar.vrt"
    gdal.BuildVRT(str(vrt), [str(vv), str(vh)], separate=True).FlushCache()
    report = validate(_params(vrt, dem, weights, tmp_path / "o.tif"))
    assert report.sar_path == vrt


def test_swapped_band_labels_warn(scene, weights, tmp_path):
    sar, dem = scene
    report = validate(_params(sar, dem, weights, tmp_path / "o.tif", sar_bands=(2, 1)))
    assert any("SAR bands 1,2" in w for w in report.warnings)


def test_output_is_an_input(scene, weights):
    sar, dem = scene
    with pytest.raises(InputError, match="also an input"):
        validate(_params(sar, dem, weights, dem))


def test_output_folder_missing_or_not_tif(scene, weights, tmp_path):
    sar, dem = scene
    _refused(_params(sar, dem, weights, tmp_path / "nope" / "o.tif"), "does not exist",
             "create it")
    _refused(_params(sar, dem, weights, tmp_path / "o.png"), "must be a GeoTIFF", "o.tif")


@pytest.mark.parametrize("kw,phrases", [
    ({"tile": 100, "overlap": 32}, ("not a multiple of 8", "tile size of 96")),
    ({"tile": 32, "overlap": 8}, ("too small", "at least 64")),
    ({"tile": 128, "overlap": 80}, ("tile size 128 is too small", "overlap of 80",
                                    "half the tile")),
    ({"batch": -1}, ("batch size -1", "0: automatic")),
    ({"enhance": "sharpen"}, ("Unknown enhancement", "laplacian")),
    ({"device": "tpu"}, ("Unknown device",)),
])
def test_bad_numbers(scene, weights, tmp_path, kw, phrases):
    sar, dem = scene
    _refused(_params(sar, dem, weights, tmp_path / "o.tif", **kw), *phrases)


def test_cuda_without_gpu(scene, weights, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    sar, dem = scene
    params = _params(sar, dem, weights, tmp_path / "o.tif")
    params.device = "cuda"
    with pytest.raises(InputError, match="choose the CPU"):
        translate(params)
    assert list(tmp_path.iterdir()) == []


def test_missing_crs(scene, weights, tmp_path):
    sar, dem = scene
    bare = tmp_path / "nocrs.tif"
    write_raster(bare, sar_values(64, 64), None, sar_transform())
    _refused(_params(bare, dem, weights, tmp_path / "o.tif"), "no coordinate reference system",
             "gdal_edit.py")
    dem_bare = write_raster(tmp_path / "demnocrs.tif", np.ones((1, 64, 64), np.float32), None,
                            sar_transform())
    _refused(_params(sar, dem_bare, weights, tmp_path / "o2.tif"), "DEM", "no coordinate")


def test_radar_geometry_names_terrain_correction(scene, weights, tmp_path):
    """A GRD placed by GCPs only gets the real fix (terrain correction), not 'assign a CRS'."""
    import rasterio
    from rasterio.control import GroundControlPoint
    from rasterio.crs import CRS

    _, dem = scene
    grd = tmp_path / "grd.tif"
    with rasterio.open(grd, "w", driver="GTiff", width=64, height=64, count=2,
                       dtype="uint16") as dst:
        dst.write(np.full((2, 64, 64), 120, np.uint16))
        dst.gcps = ([GroundControlPoint(r, c, 8.0 + c / 1e3, 46.5 - r / 1e3)
                     for r in (0, 63) for c in (0, 63)], CRS.from_epsg(4326))
    _refused(_params(grd, dem, weights, tmp_path / "o.tif"), "ground control points",
             "radar geometry", "Terrain Correction")


def test_missing_files(scene, weights, tmp_path):
    sar, dem = scene
    _refused(_params(tmp_path / "none.tif", dem, weights, tmp_path / "o.tif"), "does not exist")
    _refused(_params(sar, dem, tmp_path / "none.safetensors", tmp_path / "o.tif"),
             "does not exist")


def test_distortion_needs_geometry_and_dem(scene, weights_sar_only, tmp_path):
    sar, dem = scene
    _refused(_params(sar, dem, weights_sar_only, tmp_path / "o.tif",
                     distortion_out=tmp_path / "m.tif"), "incidence angle and the heading",
             "metadata does not state", "platformHeading")
    _refused(_params(sar, dem, weights_sar_only, tmp_path / "o.tif", incidence=39.0,
                     distortion_out=tmp_path / "m.tif"), "needs the heading", "give it")
    _refused(_params(sar, None, weights_sar_only, tmp_path / "o.tif",
                     distortion_out=tmp_path / "m.tif", incidence=39.0, heading=190.0),
             "give a DEM")
    _refused(_params(sar, dem, weights_sar_only, tmp_path / "o.tif",
                     distortion_out=tmp_path / "o.tif", incidence=39.0, heading=190.0),
             "are both", "its own file name")


def test_fusion_model_and_mask_without_dem_report_both(scene, weights, tmp_path):
    """Defect 6 of issue 17: only the mask's need was said."""
    sar, _ = scene
    _refused(_params(sar, None, weights, tmp_path / "o.tif", distortion_out=tmp_path / "m.tif",
                     incidence=39.0, heading=190.0),
             "fuses a DEM", "distortion mask is computed from the DEM", "SAR-only model")


def test_output_folder_that_cannot_hold_files(scene, weights, tmp_path):
    """Defect 7 of issue 17: /proc exists but refuses files; say so before any work."""
    sar, dem = scene
    _refused(_params(sar, dem, weights, Path("/proc/sardine_optical.tif")),
             "Cannot write to the output folder /proc")


def test_geometry_read_from_sar_metadata(scene, weights_sar_only, tmp_path):
    import rasterio

    sar, dem = scene
    tagged = tmp_path / "tagged.tif"
    shutil.copy(sar, tagged)
    with rasterio.open(tagged, "r+") as ds:
        ds.update_tags(incidenceAngleMidSwath="38.5", platformHeading="-167.2")
    plan = validate(_params(tagged, dem, weights_sar_only, tmp_path / "o.tif",
                            distortion_out=tmp_path / "m.tif"))
    assert plan.geometry.incidence_deg == 38.5
    assert abs(plan.geometry.heading_deg - 192.8) < 1e-9
    assert any("read from the metadata of tagged.tif" in n for n in plan.notes)
    given = validate(_params(tagged, dem, weights_sar_only, tmp_path / "o.tif",
                             distortion_out=tmp_path / "m.tif", heading=350.0))
    assert given.geometry.heading_deg == 350.0 and given.geometry.incidence_deg == 38.5
