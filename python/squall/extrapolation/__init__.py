"""Advection-based extrapolation, shaped like ``pysteps.extrapolation``."""

from . import semilagrangian

__all__ = ["semilagrangian"]
