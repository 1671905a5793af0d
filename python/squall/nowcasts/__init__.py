"""Nowcasting methods shaped like ``pysteps.nowcasts``: :mod:`sprog` and :mod:`steps`."""

from . import sprog, steps

__all__ = ["sprog", "steps"]
