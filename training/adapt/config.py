"""What an adaptation run is asked to do (``AdaptConfig``); every front end fills one."""
from __future__ import annotations

import math
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path

from ...core.errors import InputError
from ...core.geometry import AcquisitionGeometry
from ...core.translate.cores import check_threads

# option -> (minimum, maximum) a front end may offer; __post_init__ enforces them.
LIMITS: dict[str, tuple[float, float]] = {
    "minutes": (0.05, 600.0), "holdout": (0.05, 0.5), "detail": (0, 128)}


@dataclass
class AdaptConfig:
    sar: Path
    optical: Path
    out: Path                          # adapted weights (.safetensors)
    dem: Path | None = None
    optical_bands: tuple[int, int, int] | None = None  # None: guessed
    cloud_mask: Path | None = None     # non-zero = leave out
    scl: Path | None = None            # Sentinel-2 scene classification
    base: str | None = None            # bundled name or .safetensors; None: fits the inputs
    sar_bands: tuple[int, ...] = (1, 2)
    minutes: float = 10.0
    device: str = "auto"
    threads: int | None = None         # torch CPU threads; None: PyTorch's default
    holdout: float = 0.2
    report: Path | None = None         # folder for report.md/json + figure
    onnx_twin: bool = True             # also write <out>.onnx (faster translation on CPU)
    seed: int = 0
    # recipe (see docs/ADAPT.md for what was tried)
    lr: float = 3e-4
    batch: int = 8
    patch: int = 96
    l1_weight: float = 1.0
    ssim_weight: float = 0.2
    grad_weight: float = 1.0
    contrast_weight: float = 3.0
    luma_contrast_weight: float = 3.0
    detail: int = 16                   # width of a full-resolution detail head (SARDINet
    #                                    bases; others are fine-tuned without); 0: none
    freeze: str = "none"               # none | conditioning (keep the input layers)
    batchnorm: str = "frozen"          # frozen (base's statistics) | train
    # geometry of the per-region scores (with a DEM); None: from the SAR file's metadata,
    # else Sentinel-1 descending (core.geometry.AcquisitionGeometry's defaults), said so
    incidence: float | None = None
    heading: float | None = None
    look: str = "right"
    patience: int = 6                  # early stopping: checks without a better loss...
    min_share: float = 0.4             # ...once this share of the budget has passed
    steps: int | None = None           # stop after this many steps (reproducible runs)

    def __post_init__(self) -> None:
        low, high = LIMITS["holdout"]
        if not low <= float(self.holdout) <= high:
            raise InputError(f"--holdout {self.holdout} is outside {low}..{high}; keep e.g. "
                             "0.2 of the area for the check.")
        low, high = LIMITS["minutes"]
        if not low <= float(self.minutes) <= high:
            raise InputError(f"--minutes {self.minutes} is outside {low}..{high}.")
        if self.cloud_mask is not None and self.scl is not None:
            raise InputError("Give either --cloud-mask or --scl, not both.")
        if int(self.batch) < 1 or int(self.patch) < 16:
            raise InputError("--batch must be at least 1 and --patch at least 16 pixels.")
        if self.steps is not None and int(self.steps) < 1:
            raise InputError(f"--steps must be at least 1 (got {self.steps}).")
        if not (math.isfinite(float(self.lr)) and 0 < float(self.lr) < 1):
            raise InputError(f"--lr {self.lr} must be a positive number below 1; 3e-4 is the "
                             "default.")
        for name in ("l1_weight", "ssim_weight", "grad_weight", "contrast_weight",
                     "luma_contrast_weight"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value >= 0):
                flag = "--" + name.replace("_", "-")
                raise InputError(f"{flag} {value} must be 0 or a positive number.")
        check_threads(self.threads)
        low, high = LIMITS["detail"]
        if not low <= int(self.detail) <= high:
            raise InputError(f"--detail must be 0 (no detail head) or a width up to {high} "
                             f"such as 16 (got {self.detail}).")
        if self.batchnorm not in ("frozen", "train"):
            raise InputError(f"--batchnorm {self.batchnorm!r}: use frozen or train.")
        if self.freeze not in ("none", "conditioning"):
            raise InputError(f"--freeze {self.freeze!r}: use none or conditioning.")
        self.given_geometry()  # a bad angle is refused before any work
        if Path(self.out).suffix.lower() != ".safetensors":
            raise InputError(f"--out {self.out} must end in .safetensors, e.g. "
                             "site-adapted.safetensors.")

    def given_geometry(self) -> AcquisitionGeometry:
        """The angles given, Sentinel-1 descending defaults for those not given."""
        defaults = AcquisitionGeometry(look=self.look)
        return AcquisitionGeometry(
            incidence_deg=defaults.incidence_deg if self.incidence is None else self.incidence,
            heading_deg=defaults.heading_deg if self.heading is None else self.heading,
            look=self.look)

    @property
    def loss_weights(self) -> dict[str, float]:
        return {"l1": self.l1_weight, "ssim": self.ssim_weight, "grad": self.grad_weight,
                "contrast": self.contrast_weight, "luma_contrast": self.luma_contrast_weight}

    def to_dict(self) -> dict:
        data = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in data.items()}


def default(name: str):
    """The default of ``AdaptConfig.name``: front ends (CLI help, QGIS parameters) read it
    here instead of restating it."""
    for f in fields(AdaptConfig):
        if f.name == name:
            if f.default is MISSING:
                raise KeyError(f"{name} has no default: it is required")
            return f.default
    raise KeyError(name)
