"""Write outputs to a temporary file beside the target and rename at the end, so a user's
file is never half-written, and a failed or cancelled run leaves nothing behind."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError


def check_output_path(out_path: str | os.PathLike, inputs: Sequence[str | os.PathLike | None] = ()
                      ) -> Path:
    """Refuse an output that is one of the inputs or whose folder does not exist."""
    out = Path(out_path).expanduser().resolve()
    for item in inputs:
        if item is not None and Path(item).expanduser().resolve() == out:
            raise InputError(f"The output {out} is also an input; choose another output path "
                             "so your input is not overwritten.")
    if not out.parent.is_dir():
        raise InputError(f"The output folder {out.parent} does not exist; create it first.")
    if out.is_dir():
        raise InputError(f"The output {out} is a folder; give a file name such as {out}/out.tif.")
    _check_writable(out.parent)
    return out


def _check_writable(folder: Path) -> None:
    """Create and remove a probe file: a folder may exist yet hold no files (``/proc``, a
    read-only mount), and finding out after the work is done wastes it."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".sardine-probe.", dir=folder)
    except OSError as exc:
        raise InputError(f"Cannot write files in the output folder {folder} "
                         f"({exc.strerror or exc}); choose a folder you can write to.") from exc
    os.close(fd)
    os.unlink(probe)


@contextmanager
def atomic_output(out_path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; rename it onto ``out_path`` on success,
    delete it (and any GDAL side files such as ``.aux.xml`` or ``.ovr``) on any exception."""
    out = Path(out_path)
    suffix = suffix if suffix is not None else out.suffix
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=f".part{suffix}",
                                    dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
    except BaseException:
        _remove_with_sidecars(tmp)
        raise
    # mkstemp makes owner-only files; give the result the mode a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    for sidecar in (".aux.xml", ".ovr", ".msk"):
        side_tmp = Path(str(tmp) + sidecar)
        if side_tmp.exists():
            side_tmp.replace(str(out) + sidecar)
    tmp.replace(out)


def _remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *(Path(str(path) + s) for s in (".aux.xml", ".ovr", ".msk"))):
        try:
            candidate.unlink()
        except FileNotFoundError:
            pass
