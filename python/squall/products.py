"""Column products of gridded reflectivity (``squall::products``): VIL, echo tops, and the hail indices SHI,
MESH and POSH (Witt et al. 1998). Reflectivity is (nz, ny, nx) dBZ on ``heights_m`` (nz,) above mean sea level;
outputs are (ny, nx) float32. Computed in Rust with the GIL released.
"""

from __future__ import annotations

from . import _squall
from ._arrays import as_float32

__all__ = ["echo_top", "mesh", "posh", "severe_hail_index", "vil"]

# 0 °C and −20 °C heights of the ICAO standard atmosphere (m), used when no sounding is given.
STANDARD_FREEZING_LEVEL_M = 15.0 / 6.5e-3
STANDARD_MINUS20_LEVEL_M = 35.0 / 6.5e-3


def _heights(heights_m):
    return [float(h) for h in heights_m]


def vil(reflectivity, heights_m):
    """Vertically integrated liquid, kg m⁻² (Greene and Clark 1972)."""
    return _squall.products_vil(as_float32("reflectivity", reflectivity, 3, "(nz, ny, nx)"), _heights(heights_m))


def echo_top(reflectivity, heights_m, threshold_dbz=18.0):
    """Height (m) where reflectivity last exceeds ``threshold_dbz``, interpolated between levels (Lakshmanan
    et al. 2013); 0 where it never does."""
    z = as_float32("reflectivity", reflectivity, 3, "(nz, ny, nx)")
    return _squall.products_echo_top(z, _heights(heights_m), float(threshold_dbz))


def severe_hail_index(reflectivity, heights_m, freezing_level_m=STANDARD_FREEZING_LEVEL_M,
                      minus20_level_m=STANDARD_MINUS20_LEVEL_M):
    """Severe hail index SHI, J m⁻¹ s⁻¹ (Witt et al. 1998), with the 0 °C and −20 °C heights in m."""
    z = as_float32("reflectivity", reflectivity, 3, "(nz, ny, nx)")
    return _squall.products_shi(z, _heights(heights_m), float(freezing_level_m), float(minus20_level_m))


def mesh(shi):
    """Maximum expected size of hail, mm: 2.54 SHI^0.5."""
    return _squall.products_mesh(as_float32("shi", shi, 2, "(ny, nx)"))


def posh(shi, freezing_level_m=STANDARD_FREEZING_LEVEL_M):
    """Probability of severe hail, %, from SHI and the 0 °C height (m)."""
    return _squall.products_posh(as_float32("shi", shi, 2, "(ny, nx)"), float(freezing_level_m))
