"""One translation in a fresh Python process: its peak resident memory and its time.

Peak RSS only ever rises, so each size must run in its own process for the figures to be
comparable. The parent calls ``translate_in_subprocess``; the child
(``python -m sardine.training.bench.memory IN.json OUT.json``) runs ``main``.

The child's peak is read from ``VmHWM`` in ``/proc/self/status`` on Linux, not from
``ru_maxrss``: Linux carries the pre-``exec`` high-water mark into ``ru_maxrss``, and a
forked child's pre-exec image is the parent's memory. The bench's parent holds the model
and its test batches, so ``ru_maxrss`` reported the parent's size for every raster size
(identical "peaks" at 1024^2 and 4096^2 before 30 Nov 2026).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path


def translate_in_subprocess(sar: Path, dem: Path, weights: Path, out: Path, device: str,
                            tile: int, overlap: int, batch: int, compile_model: bool = False,
                            timeout_s: float = 3600.0, runtime: str = "torch"
                            ) -> dict[str, float]:
    """``{"peak_rss_mb", "seconds", "mp_per_s"}`` of one ``translate`` in a new process."""
    request = {"sar": str(sar), "dem": str(dem), "weights": str(weights), "out": str(out),
               "device": device, "tile": tile, "overlap": overlap, "batch": batch,
               "compile": compile_model, "runtime": runtime}
    with tempfile.TemporaryDirectory(prefix="sardine-bench-rss-") as tmp:
        req_path, res_path = Path(tmp) / "request.json", Path(tmp) / "result.json"
        req_path.write_text(json.dumps(request))
        done = subprocess.run([sys.executable, "-m", "sardine.training.bench.memory",
                               str(req_path), str(res_path)], capture_output=True, text=True,
                              timeout=timeout_s, cwd=tmp, check=False)
        if done.returncode != 0 or not res_path.is_file():
            tail = (done.stderr or done.stdout or "").strip().splitlines()[-5:]
            raise RuntimeError("The benchmark's translation subprocess failed: "
                               + " | ".join(tail))
        result = json.loads(res_path.read_text())
    out.unlink(missing_ok=True)
    return result


def peak_rss_mb() -> float:
    """This process image's own peak resident memory in MB (see the module docstring)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)  # bytes on macOS


def main(argv: list[str]) -> int:
    """Child side: translate as asked, then write peak RSS and timing as JSON."""
    from ...core.translate import TranslateParams, translate

    request = json.loads(Path(argv[0]).read_text())
    params = TranslateParams(sar_path=Path(request["sar"]), dem_path=Path(request["dem"]),
                             out_path=Path(request["out"]), model=request["weights"],
                             device=request["device"], tile=int(request["tile"]),
                             overlap=int(request["overlap"]), batch=int(request["batch"]),
                             compile=bool(request.get("compile", False)),
                             runtime=request.get("runtime", "torch"))
    result = translate(params)
    pixels = result.width * result.height
    Path(argv[1]).write_text(json.dumps({
        "peak_rss_mb": peak_rss_mb(), "seconds": result.seconds,
        "mp_per_s": pixels / 1e6 / result.seconds, "pid": os.getpid()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
