"""``.safetensors`` -> ``.onnx``: the same network for ONNX Runtime, checked against PyTorch.

The exported graph is what translation runs: BatchNorm folded as the engine folds it, the
family's input scaling and output clamp included, so the graph takes unit-scaled SAR
(``sar``, B x C x H x W) and DEM (``dem``, B x 1 x H x W, fusion models only) and returns
``rgb`` in [0, 1]; batch, height and width are dynamic (H and W multiples of the model's
size multiple: the runtime pads and crops, see core/onnx_model.py). Sardine's metadata
goes into the ONNX metadata properties: the full JSON under ``sardine`` and readable
``sardine.*`` keys for other tools. The file is one self-contained protobuf (no external
data) and is only renamed into place after ONNX Runtime's output matched PyTorch's on a
random batch of another size than the one traced.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..core.atomic import atomic_output, check_output_path
from ..core.errors import InputError, MissingDependencyError, WeightsError
from ..core.models.fold import fold_batchnorm
from ..core.onnx_model import METADATA_KEY, OnnxMetadata, OnnxPredictor, OnnxSpec
from ..core.onnx_scan import ONNX_SUFFIX
from ..core.weights import WeightsMetadata, load_weights, sha256_of

OPSET = 17
MAX_IR_VERSION = 10  # ONNX Runtime 1.16 and newer read it
MAX_CHECK_SIZE = 1024  # side of the check's two random tiles (a few seconds on a CPU)
TOLERANCE = 1e-4  # max |ONNX - PyTorch| on RGB in [0, 1]; the runtime target is 1e-3


@dataclass(frozen=True)
class ExportReport:
    path: Path
    max_abs_diff: float
    checked_shape: tuple[int, ...]
    size_bytes: int


class _Graph(torch.nn.Module):
    """What translation runs, minus padding: unit inputs -> forward -> unit RGB."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, sar: torch.Tensor, dem: torch.Tensor | None = None) -> torch.Tensor:
        m = self.model
        sar = m.unit_to_input_range(sar)
        if dem is not None:
            dem = m.unit_to_input_range(dem)
        return m.output_to_unit(m.forward(sar, dem))


def _channel_shuffle(g, x, groups):
    """ONNX has no ChannelShuffle (SARDINet-I's balanced separable convolution): reshape
    to (B, groups, C / groups, H*W), swap the two channel axes, reshape back."""
    from torch.onnx import symbolic_helper

    groups = symbolic_helper._get_const(groups, "i", "groups")
    channels = symbolic_helper._get_tensor_dim_size(x, 1)
    split = g.op("Constant", value_t=torch.tensor([0, groups, channels // groups, -1]))
    y = g.op("Transpose", g.op("Reshape", x, split), perm_i=[0, 2, 1, 3])
    return g.op("Reshape", y, g.op("Shape", x))


def _register_symbolics() -> None:
    torch.onnx.register_custom_op_symbolic("aten::channel_shuffle", _channel_shuffle, OPSET)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise MissingDependencyError("Export needs the onnx package; install it with "
                                     "`python -m pip install onnx==1.19.1`.") from None
    return onnx

def _side(spec, base: int) -> int:
    side = max(base, spec.min_size)
    return side + (-side) % spec.size_multiple


def _inputs(spec, batch: int, height: int, width: int, seed: int) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(seed)
    sar = torch.rand(batch, spec.sar_channels, height, width, generator=gen)
    if not spec.uses_dem:
        return (sar,)
    return sar, torch.rand(batch, 1, height, width, generator=gen)


def readable_properties(meta: WeightsMetadata, spec) -> dict[str, str]:
    """Flat ``sardine.*`` metadata keys, for tools that show ONNX metadata properties."""
    norm = meta.normalization.to_dict()
    return {
        "sardine.model": spec.name,
        "sardine.inputs": json.dumps({"sar": list(meta.normalization.sar_bands),
                                      "dem": bool(spec.uses_dem)}),
        "sardine.sar_bands": ",".join(meta.normalization.sar_bands),
        "sardine.normalization": json.dumps(norm, sort_keys=True),
        "sardine.pixel_size_m": f"{meta.pixel_size_m:g}",
        "sardine.training_data": meta.training_data,
        "sardine.metrics": json.dumps(meta.metrics, sort_keys=True),
        "sardine.trust_calibration": json.dumps(
            meta.trust_calibration.to_dict() if meta.trust_calibration is not None else None,
            sort_keys=True),
    }


def export_onnx(weights: str | Path, out: str | Path | None = None, check_size: int = 0,
                seed: int = 0) -> ExportReport:
    """Export ``weights`` to ``out`` (default: beside it, ``.onnx``) and check it.

    ``check_size``: side of the random check batch (0: a small size other than the traced
    one). WeightsError if ONNX Runtime's output differs from PyTorch's by more than
    ``TOLERANCE``; nothing is written then.
    """
    onnx = _onnx()
    _register_symbolics()
    weights = Path(weights)
    out = Path(out) if out is not None else weights.with_suffix(ONNX_SUFFIX)
    if out.suffix.lower() != ONNX_SUFFIX:
        raise InputError(f"ONNX files end in {ONNX_SUFFIX}; got {out.name}. Use "
                         f"{out.with_suffix(ONNX_SUFFIX).name}.")
    if not 0 <= check_size <= MAX_CHECK_SIZE:
        raise InputError(f"The check size {check_size} must be from 0 (automatic) to "
                         f"{MAX_CHECK_SIZE} pixels.")
    out = check_output_path(out, [weights])
    model, meta = load_weights(weights)
    fold_batchnorm(model)
    spec = model.spec
    if check_size and (check_size < spec.min_size or check_size % spec.size_multiple):
        raise InputError(f"The check size {check_size} does not suit model '{spec.name}' "
                         f"(at least {spec.min_size} pixels, a multiple of "
                         f"{spec.size_multiple}); use {_side(spec, check_size)}, or 0.")
    graph = _Graph(model).eval()
    traced = _side(spec, 64)
    example = _inputs(spec, 1, traced, traced, seed)
    names = ["sar", "dem"][:len(example)]
    axes = {n: {0: "batch", 2: "height", 3: "width"} for n in [*names, "rgb"]}
    onnx_spec = OnnxSpec(name=spec.name, sar_channels=spec.sar_channels,
                         uses_dem=bool(spec.uses_dem), out_channels=spec.out_channels,
                         size_multiple=spec.size_multiple, min_size=spec.min_size)
    with atomic_output(out) as tmp:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # tracer notes on Python-side shape checks
            torch.onnx.export(graph, example, str(tmp), dynamo=False, opset_version=OPSET,
                              input_names=names, output_names=["rgb"], dynamic_axes=axes,
                              do_constant_folding=True)
        proto = onnx.load(str(tmp))
        proto.ir_version = min(proto.ir_version, MAX_IR_VERSION)
        header = OnnxMetadata(weights=meta, spec=onnx_spec, source_sha256=sha256_of(weights),
                              export={"opset": OPSET, "torch": torch.__version__,
                                      "source": weights.name, "batchnorm_folded": True})
        props = {METADATA_KEY: header.to_json(), **readable_properties(meta, spec)}
        del proto.metadata_props[:]
        for key, value in props.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        proto.producer_name = "sardine"
        proto.doc_string = f"Sardine {spec.name}: SAR (+DEM) unit-scaled -> RGB [0, 1]"
        onnx.save(proto, str(tmp))
        side = check_size or _side(spec, 96) + spec.size_multiple
        diff, shape = _check(model, tmp, onnx_spec, side, seed + 1)
        if diff > TOLERANCE:
            raise WeightsError(f"The ONNX export of {weights.name} differs from PyTorch by "
                               f"{diff:.2e} (more than {TOLERANCE:g}); it was not written. "
                               "Report this with the weights' model name.")
    return ExportReport(out, diff, shape, out.stat().st_size)


def _check(model, path: Path, spec: OnnxSpec, side: int, seed: int
           ) -> tuple[float, tuple[int, ...]]:
    """Max |ONNX Runtime - PyTorch| over a random batch of two ``side`` x ``side`` tiles."""
    inputs = _inputs(model.spec, 2, side, side, seed)
    with torch.inference_mode():
        expected = model.predict(*inputs).numpy()
    predictor = OnnxPredictor(path, spec, threads=torch.get_num_threads())
    got = predictor(*(x.numpy() for x in inputs))
    return float(np.abs(got - expected).max()), tuple(inputs[0].shape)
