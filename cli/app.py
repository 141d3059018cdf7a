"""The ``sardine`` command's parser and entry point (``sardine.cli.main``)."""
from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
from types import ModuleType

from ..core.version import __version__
from . import commands as _commands_pkg
from .guard import guarded, report
from .libtiff_quiet import silence_libtiff_stderr
from .parser import OneLineParser
from .signals import forward_termination_to_sigint, started


def discover_commands() -> list[ModuleType]:
    """Every subcommand module; one whose imports are not installed (torch, when only ONNX
    Runtime is) stays listed and says what to install when run."""
    modules = []
    for info in sorted(pkgutil.iter_modules(_commands_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{_commands_pkg.__name__}.{info.name}")
        except ImportError as exc:
            module = _unavailable(info.name.replace("_", "-"), exc)
        if hasattr(module, "NAME") and hasattr(module, "run"):
            modules.append(module)
    return modules


def _unavailable(name: str, exc: ImportError) -> ModuleType:
    """A stand-in command that explains the missing package instead of breaking the CLI."""
    from ..core.errors import MissingDependencyError
    from ..core.translate.runtime import TORCH_HINT

    missing = (exc.name or str(exc)).split(".")[0]
    why = TORCH_HINT if missing == "torch" else f"the Python package {missing} is missing"
    module = ModuleType(name)

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("ignored", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    def run(args: argparse.Namespace) -> int:
        raise MissingDependencyError(f"`sardine {name}` cannot run: {why}.")

    module.NAME, module.HELP = name, f"(unavailable: needs {missing})"
    module.add_arguments, module.run = add_arguments, run
    return module


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="sardine",
        description="DEM-assisted SAR-to-optical translation (Sentinel-1 VV/VH + DEM -> RGB).",
    )
    parser.add_argument("--version", action="version", version=f"sardine {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in discover_commands():
        cmd = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; whatever happens, the user sees one line, never a traceback."""
    if argv is None:  # run as the ``sardine`` command: huge pages for PyTorch's activations
        from .hugepages import reexec_with_hugepages

        reexec_with_hugepages()
    started()
    forward_termination_to_sigint()
    try:  # Ctrl-C or a broken install while the commands are imported
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001
        return report("sardine", exc)
    _configure_logging(args.verbose)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    return guarded(f"sardine {args.command}", args._run, args)


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(levelname)s: %(message)s")
    if not verbose:  # GDAL's "... signalled an error" lines would precede our message
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_gdal)
        silence_libtiff_stderr()


def _quiet_gdal(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.name.startswith("rasterio")
