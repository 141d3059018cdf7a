"""Write outputs to a temporary file beside the target and rename at the end, so a user's
file is never half-written, and a failed or cancelled run leaves nothing behind.

Before any work, ``check_output_path`` proves the folder writable (a probe file is created
and removed). Temporary and scratch files carry the writing process's id in their names
(``.NAME.<pid>-XXXXXXXX.part.tif``), so a later run in the same folder removes those whose
process is gone (killed with SIGKILL, a power cut). While a run writes an output it holds
``.NAME.sardine-lock``; a second run writing the same output at the same time is refused.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import Cancelled, InputError
from .gdal_errors import watch_write_failures
from .process import process_alive

SIDECARS = (".aux.xml", ".ovr", ".msk")
LOCK_SUFFIX = ".sardine-lock"
STEM_CHARS = 60  # of the output's name in temporary names (they must fit NAME_MAX too)
_SWEPT: set[str] = set()  # folders whose stale files this process has already removed
_SCRATCH = re.compile(r"^\..*\.(\d+)-[A-Za-z0-9_]{8}\.(?:part(?:\.[^.]+){0,2}|pass1\.tif)"
                      r"(?:\.aux\.xml|\.ovr|\.msk)?$")


def check_output_path(out_path: str | os.PathLike, inputs: Sequence[str | os.PathLike | None] = ()
                      ) -> Path:
    """Refuse an output that is one of the inputs, whose folder does not exist or cannot be
    written, or whose name the file system cannot hold."""
    out = Path(out_path).expanduser().absolute()
    try:
        out = out.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable parent
        raise InputError(f"The output path {out} cannot be resolved ({exc}); choose "
                         "another output path.") from None
    for item in inputs:
        if item is not None and Path(item).expanduser().resolve() == out:
            raise InputError(f"The output {out} is also an input; choose another output path "
                             "so your input is not overwritten.")
    _check_folder(out)
    limit = _name_max(out.parent)
    if len(out.name.encode("utf-8", "surrogateescape")) > limit:
        raise InputError(f"The output name {out.name[:40]}... is longer than the file system "
                         f"allows ({limit} bytes); choose a shorter name.")
    if out.is_dir():
        raise InputError(f"The output {out} is a folder; give the name of a file to write "
                         "(in that folder or elsewhere).")
    probe_writable(out.parent)
    return out


def check_output_folder(folder: str | os.PathLike, what: str = "output folder") -> Path:
    """Refuse, before any work, a folder of outputs that is a file, lies under a file, or
    cannot be made or written (probed in the folder, or in the nearest existing parent it
    would be created in)."""
    path = Path(folder).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise InputError(f"The {what} {path} is a file; give a folder.")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise InputError(f"The {what} {path} is under {existing}, which is a file, not a "
                         "folder; choose a folder elsewhere.")
    probe_writable(existing)
    return path


def _check_folder(out: Path) -> None:
    if out.parent.is_dir():
        return
    for ancestor in out.parents:
        if ancestor.exists() and not ancestor.is_dir():
            raise InputError(f"The output {out} is under {ancestor}, which is a file, not a "
                             "folder; choose an output inside a folder.")
        if ancestor.is_dir():
            break
    raise InputError(f"The output folder {out.parent} does not exist; create it first.")


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, ValueError, OSError):
        return 255


def probe_writable(folder: Path) -> None:
    """Create and remove a small file in ``folder``, or raise InputError saying why not
    (read-only mount, no permission, a system folder such as /proc)."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".sardine-probe.{os.getpid()}-", dir=folder)
        try:
            os.write(fd, b"\0")
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"Cannot write to the output folder {folder} ({reason}); choose a "
                         "folder you can write to.") from None


def temp_path(beside: Path, suffix: str) -> Path:
    """A new empty file ``.NAME.<pid>-XXXXXXXX<suffix>`` in the folder of ``beside``."""
    fd, name = tempfile.mkstemp(prefix=f".{beside.stem[:STEM_CHARS]}.{os.getpid()}-",
                                suffix=suffix, dir=beside.parent)
    os.close(fd)
    return Path(name)


def remove_stale(folder: Path) -> list[Path]:
    """Remove temporary and scratch files of processes that no longer run (older than the
    process now holding their id); returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _SCRATCH.match(entry.name)
        is_lock = entry.name.startswith(".") and entry.name.endswith(LOCK_SUFFIX)
        if not (match or is_lock):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            owner: int | None
            if match:
                owner, made = int(match.group(1)), entry.stat(follow_symlinks=False).st_mtime
            else:
                owner, made = _lock_owner(Path(entry.path))
            if owner is not None and not process_alive(owner, made):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``out`` while writing it; refuse when another live
    process holds it (a stale lock of a dead process is taken over)."""
    lock = out.parent / f".{out.name[:STEM_CHARS * 2]}{LOCK_SUFFIX}"
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner, made = _lock_owner(lock)
            if owner is not None and owner != os.getpid() and process_alive(owner, made):
                raise InputError(f"Another Sardine run (process {owner}) is writing {out} "
                                 "right now; wait for it to finish or choose another output."
                                 ) from None
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(str(os.getpid()))
        break
    else:
        raise InputError(f"Cannot lock {out} for writing ({lock} keeps reappearing); "
                         "choose another output.")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _lock_owner(lock: Path) -> tuple[int | None, float]:
    """The process id written in ``lock`` and the lock's age (None: unreadable or gone)."""
    try:
        return int(lock.read_text().strip() or "0") or None, lock.stat().st_mtime
    except (OSError, ValueError):
        return None, 0.0


@contextmanager
def atomic_output(out_path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; rename it onto ``out_path`` on success,
    delete it (and any GDAL side files such as ``.aux.xml`` or ``.ovr``) on any exception."""
    out = Path(out_path)
    suffix = suffix if suffix is not None else out.suffix
    folder = os.path.abspath(out.parent)
    if folder not in _SWEPT:  # once per folder and process: dataset writers make thousands
        _SWEPT.add(folder)
        remove_stale(out.parent)
    with output_lock(out), watch_write_failures() as failures:
        tmp = temp_path(out, f".part{suffix}")
        try:
            yield tmp
        except BaseException as exc:
            remove_with_sidecars(tmp)
            if failures.messages and not isinstance(exc, (KeyboardInterrupt, Cancelled)):
                raise failures.error(out) from exc
            raise
        if failures.messages:  # GDAL closed a truncated file without raising
            remove_with_sidecars(tmp)
            raise failures.error(out)
        try:
            # mkstemp makes owner-only files; give the result the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            for sidecar in SIDECARS:
                side_tmp = Path(str(tmp) + sidecar)
                if side_tmp.exists():
                    side_tmp.replace(str(out) + sidecar)
            tmp.replace(out)
        except BaseException:
            remove_with_sidecars(tmp)
            raise


@contextmanager
def folder_made_for_run(folder: str | os.PathLike) -> Iterator[Path]:
    """Create ``folder`` (and missing parents); if the run fails or is cancelled, the
    folders it created are removed again, as far as they are empty (finished outputs in
    them are kept)."""
    path = Path(folder).expanduser().absolute()
    made = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    except BaseException:
        for created in made:  # deepest first
            for sub in sorted((p for p in created.rglob("*") if p.is_dir()), reverse=True):
                _remove_if_empty(sub)
            _remove_if_empty(created)
        raise


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # not empty, or gone
        pass


@contextmanager
def scratch_file(beside: Path, suffix: str = ".pass1.tif") -> Iterator[Path]:
    """A temporary file beside ``beside`` (same disk), removed whatever happens, and by a
    later run if this process is killed outright."""
    path = temp_path(beside, suffix)
    try:
        yield path
    finally:
        remove_with_sidecars(path)


def remove_with_sidecars(path: Path) -> None:
    for candidate in (path, *(Path(str(path) + s) for s in SIDECARS)):
        try:
            candidate.unlink()
        except FileNotFoundError:
            pass
