"""``get_method`` of ``pysteps.cascade``: names → functions."""

from __future__ import annotations

from . import bandpass_filters, decomposition

_METHODS = {
    "gaussian": bandpass_filters.filter_gaussian,
    "fft": (decomposition.decomposition_fft, decomposition.recompose_fft),
}


def get_method(name: str):
    """``"gaussian"`` → ``filter_gaussian``; ``"fft"`` → ``(decomposition_fft, recompose_fft)``.

    Raises ``ValueError`` for another name.
    """
    try:
        return _METHODS[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown cascade method {name!r}; valid: {sorted(_METHODS)}") from None
