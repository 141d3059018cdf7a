"""Command-line options of a training run, shared by ``sardine train`` and
``torchrun -m sardine.training`` so both accept exactly the same flags."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ...core.errors import InputError
from .config import TrainConfig
from .losses import SUPERVISED_LOSSES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True,
                        help="training data folder: sar/ dem/ optical/ patches, s1/ s2/ PNG "
                             "pairs, BigEarthNet S1/S2 patch folders, or sar.tif/dem.tif/"
                             "optical.tif scenes (detected automatically)")
    parser.add_argument("--model", default=None,
                        help="model name (sardinet, sardinet-early, sardinet-late, "
                             "sardinet-intermediate, pix2pix, cyclegan); default sardinet-late, "
                             "or the model of --init")
    parser.add_argument("--init", default=None, metavar="WEIGHTS",
                        help="warm start: begin from these weights (a .safetensors file or a "
                             "bundled name), keeping their SAR/DEM scaling and architecture; "
                             "with --config, that architecture with those settings changed "
                             "and every tensor that still fits (e.g. a bilinear decoder)")
    parser.add_argument("--out", required=True, help="run folder to create (or resume)")
    parser.add_argument("--epochs", type=int, default=100, help="default 100 (paper)")
    parser.add_argument("--batch", type=int, default=24,
                        help="patches per batch and process; default 24 (paper)")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate; default 1e-5 for SARDINet, 2e-4 for the GANs")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights, split, order")
    parser.add_argument("--workers", type=int, default=0, help="data-loading processes")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its last epoch")
    parser.add_argument("--augment", action="store_true",
                        help="random flips and 90-degree rotations (off in the paper)")
    parser.add_argument("--patch", type=int, default=256,
                        help="scene triplets: patch size in pixels (default 256)")
    parser.add_argument("--stride", type=int, default=None,
                        help="scene triplets: step between patches (default: the patch size)")
    parser.add_argument("--config", default=None,
                        help="model settings as JSON text or a JSON file, e.g. "
                             "'{\"conditioning_widths\": [24, 64]}' for a small network")
    parser.add_argument("--dataset-kind", default=None,
                        choices=("patches", "sen12", "bigearthnet", "benv2", "scenes", "mix"),
                        help="force a dataset reader instead of detecting the layout")
    parser.add_argument("--dem-max", type=float, default=None,
                        help="elevation (m) that scales the DEM to 1 (default 4000)")
    parser.add_argument("--no-amp", action="store_true",
                        help="keep float32 on GPU (mixed precision is on by default)")
    parser.add_argument("--previews", type=int, default=4,
                        help="validation patches drawn in previews/ each epoch")
    parser.add_argument("--loss", default=TrainConfig.loss, choices=tuple(SUPERVISED_LOSSES),
                        help="SARDINet family loss, also the validation score that picks "
                             "the best epoch: l1 (paper) or mse (aims at the mean colour, "
                             "which MSE scores)")
    parser.add_argument("--recalibrate-bn", action="store_true",
                        help="after each epoch, re-estimate BatchNorm statistics over the "
                             "training batches with the final weights (few or small batches)")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop after the epoch that passes this many minutes")
    parser.add_argument("--notes", default="", help="free text kept in the weights metadata")
    parser.add_argument("--no-onnx-twin", dest="onnx_twin", action="store_false",
                        default=TrainConfig.onnx_twin,
                        help="do not write model.onnx beside the best weights at the end (it "
                             "lets translation run them on ONNX Runtime or OpenVINO, 1.5 to "
                             "2.5 times as fast on CPU)")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    model = args.model
    if model is None:
        model = init_metadata(args.init).model if args.init else "sardinet-late"
    return TrainConfig(
        data=args.data, out=args.out, model=model, init=args.init, epochs=args.epochs,
        batch=args.batch, lr=args.lr, device=args.device, seed=args.seed, workers=args.workers,
        resume=args.resume, augment=args.augment, patch=args.patch, stride=args.stride,
        model_config=parse_model_config(args.config), dataset_kind=args.dataset_kind,
        dem_max_m=args.dem_max, amp=not args.no_amp, previews=args.previews,
        max_minutes=args.max_minutes, notes=args.notes, loss=args.loss,
        recalibrate_bn=args.recalibrate_bn, onnx_twin=args.onnx_twin)


def init_metadata(init: str):
    """The metadata of the ``--init`` weights (header only)."""
    from ...core.bundled import resolve_model
    from ...core.weights import read_metadata

    return read_metadata(resolve_model(init))


def config_from_json(text: str | None) -> dict | None:
    """A JSON object given inline or as a path to a JSON file; None when ``text`` is empty."""
    if not text:
        return None
    inline = text.lstrip().startswith("{")
    try:
        data = json.loads(text if inline else Path(text).expanduser().read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"--config {text!r} is neither a JSON object nor a readable JSON "
                         f"file ({exc}); e.g. --config '{{\"conditioning_widths\": [24, 64]}}'."
                         ) from exc
    if not isinstance(data, dict):
        raise InputError(f"--config {text!r} must be a JSON object, e.g. "
                         "'{\"conditioning_widths\": [24, 64]}'.")
    return data


def parse_model_config(text: str | None) -> dict | None:
    """``--config`` of ``sardine train``: model settings (widths etc.) for build_model."""
    return config_from_json(text)
