"""The ``sardine`` argument parser: a mistake in the options is one line naming the option
and where the help is, not argparse's usage block; an empty value (``--sar "$SAR"`` with
the variable unset) is refused for what it is instead of read as the current folder."""
from __future__ import annotations

import argparse
import sys
from typing import NoReturn

# Free text where an empty value means "none": the only options allowed to be empty.
MAY_BE_EMPTY = frozenset({"notes"})


class OneLineParser(argparse.ArgumentParser):
    """argparse, with one-line errors (exit status 2, as argparse's own)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")
        sys.exit(2)

    def _get_values(self, action: argparse.Action, arg_strings: list[str]):
        if action.option_strings and action.dest not in MAY_BE_EMPTY \
                and any(not text.strip() for text in arg_strings):
            self.error(f"argument {'/'.join(action.option_strings)}: the value is empty (an "
                       "unset shell variable?); give a value")
        return super()._get_values(action, arg_strings)
