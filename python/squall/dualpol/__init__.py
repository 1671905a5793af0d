"""Dual-polarisation processing on ``(rays, gates)`` float32 arrays: KDP from ΦDP, attenuation correction (ZPHI or
linear), rain rates and 10-class hydrometeor classification, band-aware ("S", "C", "X").

>>> import numpy as np, squall
>>> phidp = np.tile(0.5 * np.arange(200, dtype=np.float32), (2, 1))   # 2°/km two-way at 250 m gates
>>> kdp, phidp_processed = squall.dualpol.kdp_from_phidp(phidp, 250.0)
>>> round(float(kdp[0, 100]), 3)
1.0
"""

from .._squall import hydroclass, kdp_from_phidp, rain_rate, zphi

__all__ = ["hydroclass", "kdp_from_phidp", "rain_rate", "zphi"]
