"""ONNX weights are checked before ONNX Runtime reads them: corrupt files and tensor data
outside the model's folder are refused with a message that says what to do."""
from __future__ import annotations

import numpy as np
import pytest
from sardine.core.errors import WeightsError
from sardine.core.onnx_scan import check_onnx_file, scan_onnx

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _model(location: str | None = None, metadata: dict | None = None):
    weight = numpy_helper.from_array(np.ones(3, np.float32), "w")
    if location is not None:
        weight.ClearField("raw_data")
        weight.data_location = TensorProto.EXTERNAL
        entry = weight.external_data.add()
        entry.key, entry.value = "location", location
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              ir_version=8)
    for key, value in (metadata or {}).items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    return model


def test_scan_reads_metadata_and_finds_no_external_data(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_model(metadata={"sardine": "{}", "other": "x"}), str(path))
    summary = check_onnx_file(path)
    assert summary.ir_version == 8 and summary.external == []
    assert summary.metadata == {"sardine": "{}", "other": "x"}


@pytest.mark.parametrize("location", ["../outside.bin", "ABSOLUTE", "sub/../../outside.bin"])
def test_external_data_outside_the_folder_is_refused(tmp_path, location):
    folder = tmp_path / "model"
    folder.mkdir()
    outside = tmp_path / "outside.bin"
    np.ones(3, np.float32).tofile(outside)
    location = str(outside) if location == "ABSOLUTE" else location
    path = folder / "m.onnx"
    onnx.save(_model(location), str(path))
    with pytest.raises(WeightsError, match="outside the model's folder.*sardine export"):
        check_onnx_file(path)


def test_external_data_beside_the_model_is_accepted_and_missing_data_named(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_model("m.data"), str(path))
    with pytest.raises(WeightsError, match="'m.data', which is missing"):
        check_onnx_file(path)
    np.ones(3, np.float32).tofile(tmp_path / "m.data")
    assert check_onnx_file(path).external == ["m.data"]


@pytest.mark.parametrize("content", [b"", b"garbage" * 10, b"PK\x03\x04zip",
                                     b"\x80\x04\x95pickle"])
def test_corrupt_files_are_refused(tmp_path, content):
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match=r"not (a valid ONNX|an ONNX) model"):
        scan_onnx(path)


def test_truncated_export_is_refused(tmp_path):
    path = tmp_path / "m.onnx"
    onnx.save(_model(), str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="not (a valid ONNX|an ONNX) model"):
        scan_onnx(path)


def test_onnx_without_sardine_metadata_and_missing_file(tmp_path):
    from sardine.core.onnx_model import read_onnx_metadata

    path = tmp_path / "m.onnx"
    onnx.save(_model(), str(path))
    with pytest.raises(WeightsError, match="no Sardine metadata.*sardine export"):
        read_onnx_metadata(path)
    with pytest.raises(WeightsError, match="does not exist"):
        read_onnx_metadata(tmp_path / "none.onnx")


def test_cli_translate_refuses_external_data_in_one_line(tmp_path, cli):
    outside = tmp_path / "outside.bin"
    np.ones(3, np.float32).tofile(outside)
    folder = tmp_path / "m"
    folder.mkdir()
    onnx.save(_model("../outside.bin"), str(folder / "evil.onnx"))
    proc = cli("translate", "--sar", str(tmp_path / "sar.tif"), "--model",
               str(folder / "evil.onnx"), "--out", str(tmp_path / "out.tif"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("sardine translate: error:") and "outside" in proc.stderr
    assert not (tmp_path / "out.tif").exists()
