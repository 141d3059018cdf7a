"""Inspect an ONNX file without trusting it, and without onnx or onnxruntime installed.

An ONNX model is a protobuf ``ModelProto``. This module walks its wire format just far
enough to read the metadata properties (Sardine's metadata lives there) and every place a
tensor can point at *external data* (initializers, sparse initializers, constant and
attribute tensors, in subgraphs and functions too). ONNX Runtime would read external data
from any path a file names, absolute or ``../..``; Sardine refuses a model whose data lies
outside the model's own folder, and a file that is not a well-formed protobuf at all.

Field numbers are those of onnx.proto (stable since IR version 3).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import WeightsError

ONNX_SUFFIX = ".onnx"
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL

# message kind -> {field number: kind of the embedded message}
_MODEL, _GRAPH, _NODE, _ATTR, _TENSOR, _SPARSE, _FUNC, _ENTRY = range(8)
_CHILDREN = {
    _MODEL: {7: _GRAPH, 25: _FUNC},
    _GRAPH: {1: _NODE, 5: _TENSOR, 15: _SPARSE},
    _NODE: {5: _ATTR},
    _ATTR: {5: _TENSOR, 6: _GRAPH, 10: _TENSOR, 11: _GRAPH, 22: _SPARSE, 23: _SPARSE},
    _FUNC: {7: _NODE},
    _SPARSE: {1: _TENSOR, 2: _TENSOR},
    _TENSOR: {},
}


@dataclass
class OnnxSummary:
    """What the scan found: IR version, metadata properties, external data locations."""

    ir_version: int = 0
    has_graph: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    external: list[str] = field(default_factory=list)


class _Corrupt(Exception):
    pass


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise _Corrupt("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or start, stop) for each field in buf[pos:end]."""
    while pos < end:
        tag, pos = _varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise _Corrupt("field number 0")
        if wire == _VARINT:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value, pos
        elif wire == _LEN:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise _Corrupt("length past the end")
            yield number, wire, pos, pos + length
            pos += length
        elif wire in (_I64, _I32):
            pos += 8 if wire == _I64 else 4
            if pos > end:
                raise _Corrupt("fixed field past the end")
        else:
            raise _Corrupt(f"wire type {wire}")


def _entry(buf: bytes, start: int, stop: int) -> tuple[str, str]:
    key = value = ""
    for number, wire, a, b in _fields(buf, start, stop):
        if wire == _LEN and number in (1, 2):
            text = buf[a:b].decode("utf-8")
            key, value = (text, value) if number == 1 else (key, text)
    return key, value


def _walk(buf: bytes, start: int, stop: int, kind: int, out: OnnxSummary, depth: int) -> None:
    if depth > 64:
        raise _Corrupt("nesting too deep")
    children = _CHILDREN[kind]
    external_location: str | None = None
    is_external = False
    for number, wire, a, b in _fields(buf, start, stop):
        if kind == _MODEL and number == 1 and wire == _VARINT:
            out.ir_version = a
        elif kind == _MODEL and number == 14 and wire == _LEN:
            key, value = _entry(buf, a, b)
            out.metadata[key] = value
        elif kind == _TENSOR and number == 13 and wire == _LEN:
            key, value = _entry(buf, a, b)
            if key == "location":
                external_location = value
        elif kind == _TENSOR and number == 14 and wire == _VARINT:
            is_external = a == _EXTERNAL
        elif number in children and wire == _LEN:
            if kind == _MODEL and number == 7:
                out.has_graph = True
            _walk(buf, a, b, children[number], out, depth + 1)
    if kind == _TENSOR and (is_external or external_location is not None):
        out.external.append(external_location or "")


def scan_onnx(path: str | Path) -> OnnxSummary:
    """Parse ``path``'s structure; WeightsError if it is not a readable ONNX model."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"ONNX file {path} does not exist; check the path, or export one "
                           "with `sardine export --weights W.safetensors`.")
    buf = path.read_bytes()
    summary = OnnxSummary()
    try:
        _walk(buf, 0, len(buf), _MODEL, summary, 0)
    except (_Corrupt, UnicodeDecodeError) as exc:
        raise WeightsError(f"{path} is not a valid ONNX model (corrupted or truncated: {exc}); "
                           "copy it again or re-export it with `sardine export`.") from None
    if not summary.has_graph or summary.ir_version <= 0:
        raise WeightsError(f"{path} is not an ONNX model (no graph or IR version found); "
                           "use a .onnx file written by `sardine export`.")
    return summary


def check_external_data(path: Path, summary: OnnxSummary) -> None:
    """Refuse external tensor data that is missing or lies outside the model's folder."""
    folder = path.resolve().parent
    for location in summary.external:
        target = (folder / location).resolve()
        if not location or Path(location).is_absolute() or not target.is_relative_to(folder):
            raise WeightsError(
                f"{path} reads tensor data from {location or '(no location)'!r}, outside the "
                "model's folder; Sardine refuses such files (they can read any file on your "
                "computer). Re-export the model with `sardine export`, which writes a single "
                "self-contained file.")
        if not target.is_file():
            raise WeightsError(f"{path} keeps tensor data in {location!r}, which is missing "
                               "beside it; copy that file next to the model too.")


def check_onnx_file(path: str | Path) -> OnnxSummary:
    """Cheap safety check of an ONNX file (structure, external data); returns its summary."""
    path = Path(path)
    summary = scan_onnx(path)
    check_external_data(path, summary)
    return summary
