"""``sardine:change`` in a real QGIS: one styled layer group (trust, change, post, pre), and a
refusal that leaves nothing behind."""
from __future__ import annotations

import pytest
from qgis.core import (
    QgsProcessingException,
    QgsProject,
    QgsSingleBandPseudoColorRenderer,
)
from support import make_scene, run_alg, sar_values, write_raster


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qgis_change")
    sar, dem = make_scene(folder, 64)
    post_values = sar_values(64, 64)
    post_values[:, 20:40, 20:40] -= 8.0
    post = write_raster(folder / "post.tif", post_values, descriptions=("VV", "VH"))
    return sar, post, dem


def test_change_adds_one_styled_group(provider, qgis_processing_module, qgis_new_project,
                                      pair, fusion_weights, tmp_path):
    pre, post, dem = pair
    out = tmp_path / "out"
    run_alg(qgis_processing_module, "sardine:change", {
        "PRE_SAR": str(pre), "POST_SAR": str(post), "DEM": str(dem),
        "WEIGHTS": str(fusion_weights), "INCIDENCE": 39.0, "HEADING": 190.0,
        "OUTPUT": str(out)})
    root = QgsProject.instance().layerTreeRoot()
    groups = [g for g in root.findGroups() if g.name().startswith("Change")]
    assert len(groups) == 1
    layers = [node.layer() for node in groups[0].findLayers()]
    assert [layer.name() for layer in layers] == ["trust", "change", "post-event optical",
                                                  "pre-event optical"]
    change = layers[1]
    assert isinstance(change.renderer(), QgsSingleBandPseudoColorRenderer)
    assert change.renderer().band() == 4
    items = change.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert items[0].color.alpha() == 0  # unchanged ground is transparent
    trust = layers[0].renderer().shader().rasterShaderFunction().colorRampItemList()
    assert trust[0].color.alpha() > 0 and trust[-1].color.alpha() == 0  # a veil where low
    assert not groups[0].findLayers()[3].itemVisibilityChecked()
    assert sorted(p.suffix for p in out.iterdir()).count(".qml") == 4


def test_change_refusal_leaves_nothing(provider, qgis_processing_module, pair,
                                       fusion_weights, tmp_path):
    pre, _, dem = pair
    other = write_raster(tmp_path / "hh.tif", sar_values(64, 64), descriptions=("HH", "HV"))
    out = tmp_path / "out"
    with pytest.raises(QgsProcessingException, match="same polarisations"):
        run_alg(qgis_processing_module, "sardine:change", {
            "PRE_SAR": str(pre), "POST_SAR": str(other), "DEM": str(dem),
            "WEIGHTS": str(fusion_weights), "INCIDENCE": 39.0, "HEADING": 190.0,
            "OUTPUT": str(out)})
    assert not out.exists()


def test_check_refuses_a_pair_without_overlap(provider, pair, fusion_weights, tmp_path):
    from affine import Affine
    from qgis.core import QgsApplication, QgsProcessingContext
    from support import ORIGIN

    pre, _, dem = pair
    far = write_raster(tmp_path / "far.tif", sar_values(64, 64),
                       transform=Affine(10.0, 0.0, ORIGIN[0] + 90000.0, 0.0, -10.0, ORIGIN[1]),
                       descriptions=("VV", "VH"))
    alg = QgsApplication.processingRegistry().algorithmById("sardine:change")
    context = QgsProcessingContext()
    ok, message = alg.checkParameterValues({
        "PRE_SAR": str(pre), "POST_SAR": str(far), "DEM": str(dem),
        "WEIGHTS": str(fusion_weights), "OUTPUT": str(tmp_path / "out")}, context)
    assert not ok and "does not overlap" in message
