"""Utilities shaped like ``pysteps.utils``: :mod:`squall.utils.transformation`."""

from . import transformation

__all__ = ["transformation"]
