"""Errors a user can act on: each message names the problem and the fix."""
from __future__ import annotations


class SardineError(Exception):
    """Base class for every error Sardine shows to a user."""


class InputError(SardineError):
    """A raster, band choice, folder or parameter the user gave cannot be used."""


class WeightsError(SardineError):
    """A weights file is unsafe, corrupt or does not match the model registry."""


class MissingDependencyError(SardineError):
    """An optional Python package is not importable."""


class Cancelled(SardineError):
    """The user cancelled the work; partial outputs have been removed."""
