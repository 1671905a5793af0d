"""pysteps' input preparation shared by ``steps_reference.py`` and ``steps_diagnostics.py`` (pysteps 1.21.5).

``case_input`` gives the dB frames, the observed frames that follow and pysteps' LK motion of one case;
``aligned_frames`` repeats what ``steps.forecast`` does to its input before the cascade analysis (older frames
extrapolated onto the newest with ``outval="min"``, then no data -> the frame's minimum).
"""

from __future__ import annotations

import numpy as np


def case_input(rain, end, ar_order, n_lead):
    """The ``ar_order + 1`` frames ending at ``end`` in dB (``dB_transform(threshold=0.1, zerovalue=-15.0)``, NaN
    kept), the ``n_lead`` observed frames that follow (mm/h) and pysteps' LK motion (``dense_lucaskanade``
    defaults) of the dB frames, ``(2, y, x)`` px per step."""
    import pysteps
    from pysteps.utils.transformation import dB_transform

    frames_db, _ = dB_transform(rain[end - ar_order:end + 1].copy(), threshold=0.1, zerovalue=-15.0)
    observed = rain[end + 1:end + 1 + n_lead]
    uv = np.asarray(pysteps.motion.get_method("LK")(frames_db))
    return frames_db, observed, uv


def aligned_frames(frames_db, uv, ar_order):
    """``frames_db (ar_order + 1, y, x)`` with the older frames advected onto the newest by
    ``semilagrangian.extrapolate(..., outval="min")`` and every non-finite value set to its frame's minimum."""
    from pysteps import extrapolation

    precip = frames_db.copy()
    extrap = extrapolation.get_method("semilagrangian")
    for i in range(ar_order):
        precip[i] = extrap(precip[i], uv, ar_order - i, "min", allow_nonfinite_values=True)[-1]
    for i in range(precip.shape[0]):
        precip[i][~np.isfinite(precip[i])] = np.nanmin(precip[i])
    return precip
