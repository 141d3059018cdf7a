"""``sardine demo`` (what ``make demo`` runs): translate the bundled sample scene with the
bundled default weights and write ``demo_optical.tif`` and ``demo_preview.png``
(SAR [VV, VH, 0] | DEM hillshade | translation | ground truth)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ...core.errors import InputError
from ...core.translate.params import DEVICES, ENHANCEMENTS, TranslateParams
from ..progress import cli_feedback

NAME = "demo"
HELP = "translate the bundled sample scene with the bundled weights (GeoTIFF + PNG preview)"

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "resources" / "sample"
DEFAULT_MODEL = "sardinet-late"
SAMPLE_ORIGIN = ("the sample scene is simulated with `sardine simulate --out resources/sample` "
                 "and ships with Sardine")
WEIGHTS_ORIGIN = ("the default weights are trained with `sardine train` on simulated scenes "
                  "and ship with Sardine")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, type=Path,
                        help="folder for demo_optical.tif and demo_preview.png (created)")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"bundled model name or .safetensors file ({DEFAULT_MODEL})")
    parser.add_argument("--sample", type=Path, default=SAMPLE_DIR,
                        help="folder with sar.tif, dem.tif and optionally optical.tif "
                             "(default: the bundled sample scene)")
    parser.add_argument("--device", choices=DEVICES, default="auto")
    parser.add_argument("--enhance", choices=ENHANCEMENTS, default="none")


def _sample_files(folder: Path) -> tuple[Path, Path, Path | None]:
    sar, dem, truth = folder / "sar.tif", folder / "dem.tif", folder / "optical.tif"
    for path in (sar, dem):
        if not path.is_file():
            origin = SAMPLE_ORIGIN if folder == SAMPLE_DIR else "give --sample a folder with it"
            raise InputError(f"The demo needs {path}, which is missing: {origin}. Reinstall "
                             "Sardine or pass --sample DIR holding sar.tif and dem.tif.")
    return sar, dem, truth if truth.is_file() else None


def _weights(model: str) -> Path:
    from ...core.bundled import BUNDLED_DIR
    from ...core.translate.model_info import resolve_weights

    bundled = BUNDLED_DIR / f"{model}.safetensors"
    if model == DEFAULT_MODEL and not bundled.is_file() and not Path(model).is_file():
        raise InputError(f"The demo needs the bundled weights {bundled}, which are missing: "
                         f"{WEIGHTS_ORIGIN}. Reinstall Sardine or pass --model "
                         "WEIGHTS.safetensors (e.g. from `sardine train`).")
    return resolve_weights(model)


def run(args: argparse.Namespace) -> int:
    from ...core.atomic import folder_made_for_run
    from ...core.preview import scene_preview
    from ...core.translate import read_model_info, translate
    from ...training.evaluation.truth_check import check_against_truth

    sar, dem, truth = _sample_files(args.sample)
    weights = _weights(args.model)
    info = read_model_info(str(weights))
    with folder_made_for_run(args.out) as out_dir:  # removed again if cancelled or failed
        out_tif, out_png = out_dir / "demo_optical.tif", out_dir / "demo_preview.png"
        params = TranslateParams(sar_path=sar, dem_path=dem, model=str(weights),
                                 out_path=out_tif, device=args.device, enhance=args.enhance)
        with cli_feedback("demo") as feedback:
            result = translate(params, feedback)
            feedback.check_cancelled()
        scene_preview(sar, dem, result.out_path, truth, out_png,
                      normalization=info.normalization,
                      title=f"{info.name} ({weights.name}) on {args.sample.name}/sar.tif")
    print(f"wrote {out_tif} ({result.seconds:.1f} s on {result.where})")
    print(f"wrote {out_png}")
    if truth is None:
        print("note: no optical.tif in the sample folder, so the preview has no ground truth")
    else:
        print(check_against_truth(result.out_path, truth).summary())
    return 0
