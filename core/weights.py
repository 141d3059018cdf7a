"""Weights files: safetensors with a JSON metadata block, never pickle.

A weights file holds the model's state_dict and, in the safetensors ``__metadata__``, a
JSON ``WeightsMetadata``: model name and full config (so the registry rebuilds the exact
architecture), the input normalisation (SAR bands, dB clip ranges, DEM scaling, optical
scale), pixel size, training data, metrics, Sardine version and creation date, the trust
layer's calibration when one was fitted (``core/trust_calibration.py``), plus a
SHA-256 over the tensors so a corrupted file is refused rather than silently misused.

Loading checks everything before any tensor reaches a model, and refuses with a message
that names the problem and the fix. Pickle checkpoints (``.pt``, ``.pth``, ``.ckpt``,
zip or pickle content) are refused unread: unpickling can run arbitrary code, so
``torch.load`` is never called on a user's file.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import atomic_output, check_output_path
from .errors import InputError, WeightsError
from .version import __version__
from .weights_metadata import WeightsMetadata

if TYPE_CHECKING:  # torch is imported on use: reading metadata must work without it
    import torch

    from .models import TranslationModel

METADATA_KEY = "sardine"
CHECKSUM_KEY = "sardine_tensors_sha256"
WEIGHTS_SUFFIX = ".safetensors"
PICKLE_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".tar")
MAX_HEADER_BYTES = 100 * 1024 * 1024  # the safetensors library's own limit
SAVE_DTYPES = ("float32", "float16", "bfloat16")  # torch dtype names
DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
               "I8": 1, "U8": 1, "BOOL": 1}
MAX_PARAMETERS = 500_000_000  # bounds what a file can make Sardine allocate (pix2pix: 54 M)


# --- inspecting a file without trusting it ---------------------------------------------

def _refuse_pickle(path: Path, reason: str) -> WeightsError:
    return WeightsError(
        f"{path} is a pickle-based PyTorch checkpoint ({reason}). Sardine refuses to load "
        "pickle files because unpickling can run arbitrary code on your computer. Convert "
        "it with the trusted code that made it: load the model there and write a "
        f"{WEIGHTS_SUFFIX} file with sardine.core.weights.save_weights (or "
        "safetensors.torch.save_file plus Sardine's metadata), or train weights with "
        "`sardine train`.")


def _looks_like_pickle(head: bytes) -> str | None:
    if head.startswith(b"PK\x03\x04"):
        return "it is a zip archive, the format of torch.save"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return f"it starts with the pickle protocol {head[1]} marker"
    return None


def _read_header(path: Path) -> dict[str, Any]:
    """Parse and validate the safetensors header (JSON) of ``path``; read nothing else."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise _refuse_pickle(path, f"its name ends in {path.suffix}")
    if not path.is_file():
        raise WeightsError(f"Weights file {path} does not exist; check the path, or list "
                           "bundled weights with `sardine models`.")
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(9)
        length = int.from_bytes(head[:8], "little") if len(head) >= 8 else 0
        if len(head) < 9 or head[8:9] != b"{" or length > MAX_HEADER_BYTES or length < 2:
            reason = _looks_like_pickle(head)
            if reason:
                raise _refuse_pickle(path, reason)
            if path.suffix.lower() == ".onnx":
                twin = path.with_suffix(".safetensors").name
                raise WeightsError(
                    f"{path.name} is an ONNX file (for translating only); this needs the "
                    f".safetensors weights it was exported from (e.g. {twin}).")
            raise WeightsError(
                f"{path} is not a safetensors weights file (empty, truncated at the start, or "
                "another format); use a .safetensors file written by Sardine.")
        if 8 + length > size:
            raise WeightsError(f"{path} is truncated ({size} bytes, its header alone needs "
                               f"{8 + length}); the copy or download was interrupted: copy "
                               "it again.")
        handle.seek(8)
        raw = handle.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("header is not a JSON object")
    except (UnicodeDecodeError, ValueError) as exc:
        raise WeightsError(f"{path} is corrupted: its header is not valid JSON ({exc}); "
                           "copy the file again or re-save it.") from None
    _check_layout(path, header, size - 8 - length)
    return header


def _check_layout(path: Path, header: dict[str, Any], data_bytes: int) -> None:
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            begin, stop = (int(v) for v in info["data_offsets"])
            shape = [int(v) for v in info["shape"]]
            str(info["dtype"])
        except (KeyError, TypeError, ValueError):
            raise WeightsError(f"{path} is corrupted: the entry for tensor '{name}' is "
                               "malformed; copy the file again or re-save it.") from None
        if begin > stop or min(shape, default=0) < 0:
            raise WeightsError(f"{path} is corrupted: tensor '{name}' has impossible "
                               "offsets or shape; copy the file again or re-save it.")
        itemsize = DTYPE_BYTES.get(str(info["dtype"]))
        if itemsize is None or math.prod(shape) * itemsize != stop - begin:
            raise WeightsError(f"{path} is corrupted: tensor '{name}' declares shape {shape} "
                               f"({info['dtype']}) but {stop - begin} bytes; copy the file "
                               "again or re-save it.")
        end = max(end, stop)
    count = sum(math.prod(int(v) for v in info["shape"]) for name, info in header.items()
                if name != "__metadata__")
    if count > MAX_PARAMETERS:
        raise WeightsError(f"{path} declares {count / 1e6:.0f} M parameters, more than any "
                           f"Sardine model ({MAX_PARAMETERS / 1e6:.0f} M at most; SARDINet has "
                           "about 7 M); it was not written for Sardine.")
    if end > data_bytes:
        raise WeightsError(f"{path} is truncated ({data_bytes} of {end} tensor bytes); the "
                           "copy or download was interrupted: copy it again.")
    if end < data_bytes:
        raise WeightsError(f"{path} is corrupted: {data_bytes - end} unexpected bytes follow "
                           "the tensors; copy the file again or re-save it.")


def _metadata_from_header(path: Path, header: dict[str, Any]) -> WeightsMetadata:
    block = header.get("__metadata__") or {}
    if METADATA_KEY not in block:
        raise WeightsError(
            f"{path} has no Sardine metadata block, so the model, its configuration and the "
            "input normalisation are unknown; save the weights with "
            "sardine.core.weights.save_weights(path, model, WeightsMetadata(...)).")
    try:
        data = json.loads(block[METADATA_KEY])
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"The Sardine metadata of {path} is not valid JSON ({exc}); "
                           "re-save the weights with save_weights.") from None
    if not isinstance(data, dict):
        raise WeightsError(f"The Sardine metadata of {path} is not a JSON object; re-save "
                           "the weights with save_weights.")
    return WeightsMetadata.from_dict(data, source=str(path)).check_bounds(str(path))


def check_weights_file(path: str | os.PathLike) -> Path:
    """Cheap safety check (name, magic bytes, header, sizes); returns the path."""
    _read_header(Path(path))
    return Path(path)


def read_metadata(path: str | os.PathLike) -> WeightsMetadata:
    """The metadata of a weights file, reading only its header."""
    path = Path(path)
    return _metadata_from_header(path, _read_header(path))


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of the whole file (for manifests and download checks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tensors_digest(tensors: dict[str, torch.Tensor]) -> str:
    import torch

    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().reshape(-1).contiguous()
        digest.update(name.encode("utf-8"))
        digest.update(str(tensor.dtype).encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


# --- saving and loading ----------------------------------------------------------------

def _describe(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def _complete_metadata(model: TranslationModel, metadata: WeightsMetadata) -> dict[str, Any]:
    spec, config = model.spec, model.config.to_dict()
    if metadata.model and metadata.model != spec.name:
        raise WeightsError(f"The metadata names model '{metadata.model}' but the model is "
                           f"'{spec.name}'; leave metadata.model empty or make them agree.")
    if metadata.config and metadata.config != config:
        raise WeightsError("The metadata config differs from the model's own config; leave "
                           "metadata.config empty and save_weights records the model's.")
    bands = len(metadata.normalization.sar_bands)
    if bands != spec.sar_channels:
        raise WeightsError(
            f"The normalisation lists {bands} SAR band(s) but model '{spec.name}' takes "
            f"{spec.sar_channels}; use Normalization.for_bands with the training bands.")
    data = metadata.to_dict()
    data.update(model=spec.name, config=config)
    return data


def save_weights(path: str | os.PathLike, model: TranslationModel, metadata: WeightsMetadata,
                 dtype: torch.dtype | None = None) -> Path:
    """Write ``model``'s tensors and ``metadata`` to a .safetensors file, atomically.

    ``dtype`` (float32, float16 or bfloat16) applies to floating tensors only; float16
    halves the file and loads back as a float32 model.
    """
    import torch
    from safetensors.torch import save_file

    dtype = torch.float32 if dtype is None else dtype
    path = Path(path)
    if path.suffix.lower() != WEIGHTS_SUFFIX:
        raise InputError(f"Weights files end in {WEIGHTS_SUFFIX}; got {path.name}. Use "
                         f"{path.with_suffix(WEIGHTS_SUFFIX).name}.")
    if dtype not in tuple(getattr(torch, name) for name in SAVE_DTYPES):
        raise InputError(f"Cannot store weights as {dtype}; use torch.float32 or "
                         "torch.float16.")
    out = check_output_path(path)
    tensors = {
        name: (t.detach().to("cpu", dtype) if t.is_floating_point() else t.detach().cpu())
        .contiguous()
        for name, t in model.state_dict().items()
    }
    try:
        block = json.dumps(_complete_metadata(model, metadata), sort_keys=True)
    except TypeError as exc:
        raise WeightsError(f"The metadata cannot be written as JSON ({exc}); keep metrics "
                           "and extra to numbers, strings, lists and dicts.") from None
    header = {"format": "pt", METADATA_KEY: block, CHECKSUM_KEY: _tensors_digest(tensors)}
    with atomic_output(out) as tmp:
        save_file(tensors, str(tmp), metadata=header)
    return out


def _check_tensors(path: Path, header: dict[str, Any], model: TranslationModel) -> None:
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    found = {k: tuple(v["shape"]) for k, v in header.items() if k != "__metadata__"}
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    problems = []
    if missing:
        problems.append(f"missing tensors: {_describe(missing)}")
    if extra:
        problems.append(f"unexpected tensors: {_describe(extra)}")
    if wrong:
        problems.append("shape mismatches: " + _describe(
            [f"{k} {list(found[k])} instead of {list(expected[k])}" for k in wrong]))
    if problems:
        raise WeightsError(
            f"{path} does not match model '{model.spec.name}' as configured in its own "
            f"metadata ({'; '.join(problems)}). The file was altered or written for another "
            "configuration; re-save it with save_weights from the trained model.")


def load_weights(path: str | os.PathLike, device: str | torch.device = "cpu"
                 ) -> tuple[TranslationModel, WeightsMetadata]:
    """Rebuild the model named in the file's metadata and load its tensors (eval mode)."""
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from .models import build_model, list_models
    from .models.registry import REGISTRY

    path = Path(path)
    header = _read_header(path)
    metadata = _metadata_from_header(path, header)
    if metadata.model not in REGISTRY:
        raise WeightsError(
            f"{path} holds weights for model '{metadata.model}', which this Sardine "
            f"({__version__}) does not know (known: {', '.join(list_models())}); update "
            "Sardine or use weights for a listed model.")
    try:
        with torch.device("meta"):  # shapes first: a crafted config allocates nothing
            _check_tensors(path, header, build_model(metadata.model, metadata.config))
        model = build_model(metadata.model, metadata.config)
    except InputError as exc:
        raise WeightsError(f"The model configuration stored in {path} is invalid: {exc}"
                           ) from None
    try:
        tensors = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is corrupted and cannot be read ({exc}); copy the file "
                           "again or re-save it.") from None
    stored = (header.get("__metadata__") or {}).get(CHECKSUM_KEY)
    if stored is not None and stored != _tensors_digest(tensors):
        raise WeightsError(f"{path} is corrupted: its tensors do not match the checksum "
                           "recorded when it was saved; copy the file again.")
    model.load_state_dict(tensors, strict=True)
    return model.to(device).eval(), metadata
