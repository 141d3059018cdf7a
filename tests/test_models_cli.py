"""``sardine models`` as a user runs it: every model, the published counts, and the table."""
from __future__ import annotations

import json

from conftest import run_cli


def test_models_json_lists_every_model_with_the_published_counts(tmp_path):
    proc = run_cli("models", "--json", cwd=tmp_path, check=True)
    facts = json.loads(proc.stdout)
    models = {m["name"]: m for m in facts["models"]}
    assert list(models) == ["sardinet", "sardinet-early", "sardinet-late",
                            "sardinet-intermediate", "pix2pix", "cyclegan"]
    assert {name: m["conditioning_weights"] for name, m in models.items()} == {
        "sardinet": 222_912, "sardinet-early": 223_776, "sardinet-late": 223_776,
        "sardinet-intermediate": 9_852, "pix2pix": None, "cyclegan": None}
    assert models["sardinet-late"]["inputs"] == "VV,VH+DEM"
    assert models["sardinet"]["inputs"] == "VV,VH" and models["pix2pix"]["outputs"] == "RGB"
    assert models["pix2pix"]["parameters"] == 54_412_931
    for generator in facts["generators"]:
        if generator["reference_parameters"] is not None:
            assert generator["parameters"] == generator["reference_parameters"]
    assert isinstance(facts["bundled"], list)
    assert list(tmp_path.iterdir()) == []


def test_models_table(capsys):
    from sardine.cli import main

    assert main(["models"]) == 0  # in-process: the subprocess path is tested above
    out = capsys.readouterr().out
    assert "sardinet-intermediate" in out and "9,852" in out and "54,412,931" in out
    assert "resnet_9blocks" in out
