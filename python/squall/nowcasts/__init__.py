"""Nowcasting methods shaped like ``pysteps.nowcasts``: :mod:`sprog` and :mod:`steps`; :func:`to_dataset` wraps
a result as an ``xarray.Dataset``."""

from . import sprog, steps
from .dataset import to_dataset

__all__ = ["sprog", "steps", "to_dataset"]
