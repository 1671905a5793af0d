"""Squall: weather-radar volumes to short-term forecasts of convective storms.

The algorithms live in the Rust crate; this package converts arrays and calls it with the GIL released.

>>> import squall
>>> v = squall.read_volume("volume.bin.bz2")          # doctest: +SKIP
>>> v.sweeps[0].moments["DBZH"].shape                 # doctest: +SKIP
(363, 973)
"""

from ._squall import (
    DecodeError,
    LimitsError,
    ParameterError,
    ShapeError,
    SquallError,
    Sweep,
    UnsupportedError,
    Volume,
    __version__,
    read_volume,
)
from . import (
    cascade,
    cells,
    dask,
    dualpol,
    extrapolation,
    grid,
    io,
    motion,
    noise,
    nowcasts,
    products,
    utils,
    verification,
    warn,
)

__all__ = [
    "DecodeError",
    "LimitsError",
    "ParameterError",
    "ShapeError",
    "SquallError",
    "Sweep",
    "UnsupportedError",
    "Volume",
    "__version__",
    "cascade",
    "cells",
    "dask",
    "dualpol",
    "extrapolation",
    "grid",
    "io",
    "motion",
    "noise",
    "nowcasts",
    "products",
    "read_volume",
    "utils",
    "verification",
    "warn",
]
