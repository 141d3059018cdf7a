"""``sardine models``: the model zoo (sizes, inputs, conditioning weights) and bundled weights.

The zoo's figures come from building each model, which needs PyTorch; the bundled weights
are listed from their headers, so a translation-only install (ONNX Runtime, no PyTorch)
still sees what it can translate with."""
from __future__ import annotations

import argparse
import json
from typing import Any

from ...core.bundled import list_bundled

NAME = "models"
HELP = "list the registered models, their sizes and inputs, and the bundled weights"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def collect() -> dict[str, Any]:
    """Everything the command shows, as plain data (``models`` and ``generators`` are None
    without PyTorch, with the reason in ``zoo_unavailable``)."""
    bundled = [{"name": b.name, "path": str(b.path), "model": b.metadata.model,
                "description": b.description, "sardine_version": b.metadata.sardine_version,
                "metrics": b.metadata.metrics,
                "trust_calibration": (b.metadata.trust_calibration.to_dict()  # None: fallback
                                      if b.metadata.trust_calibration is not None else None)}
               for b in list_bundled()]
    try:
        return {**_zoo(), "bundled": bundled}
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "torch":
            raise
        from ...core.translate.runtime import TORCH_HINT

        return {"models": None, "generators": None, "bundled": bundled,
                "zoo_unavailable": f"the model table needs {TORCH_HINT}"}


def _zoo() -> dict[str, Any]:
    from ...core.models import REFERENCE_GENERATORS, list_models, model_info

    generators = []
    for ref in REFERENCE_GENERATORS:
        info = model_info(ref.model, ref.config)
        generators.append({"label": ref.label, "model": ref.model, "config": info["config"],
                           "inputs": info["inputs"], "outputs": info["outputs"],
                           "parameters": info["parameters"],
                           "reference_parameters": ref.reference_parameters})
    return {"models": [model_info(name) for name in list_models()], "generators": generators}


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def run(args: argparse.Namespace) -> int:
    facts = collect()
    if args.json:
        print(json.dumps(facts, indent=2))
        return 0
    if facts["models"] is None:
        print(f"No model table: {facts['zoo_unavailable']}.\n")
    else:
        _print_zoo(facts)
    _print_bundled(facts)
    return 0


def _print_zoo(facts: dict[str, Any]) -> None:
    rows = [["name", "inputs", "outputs", "parameters", "cond. weights", "multiple",
             "description"]]
    rows += [[m["name"], m["inputs"], m["outputs"], _number(m["parameters"]),
              _number(m["conditioning_weights"]), str(m["size_multiple"]), m["description"]]
             for m in facts["models"]]
    print("\n".join(_table(rows)))
    print("\ncond. weights: input-conditioning convolution kernels, biases excluded.")
    print("Inputs of any size are padded (reflect) to the multiple and cropped back.\n")
    rows = [["generator", "parameters", "reference"]]
    rows += [[g["label"], _number(g["parameters"]), _number(g["reference_parameters"])]
             for g in facts["generators"]]
    print("\n".join(_table(rows)))
    print()


def _print_bundled(facts: dict[str, Any]) -> None:
    if facts["bundled"]:
        rows = [["bundled weights", "description"]]
        rows += [[b["name"], b["description"]] for b in facts["bundled"]]
        print("\n".join(_table(rows)))
    else:
        print("No bundled weights; train some with `sardine train` and pass the "
              ".safetensors file with --model.")
