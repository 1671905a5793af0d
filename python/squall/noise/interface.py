"""``get_method`` of ``pysteps.noise``: names → (initialiser, generator) pairs."""

from __future__ import annotations

from . import fftgenerators, motion

_METHODS = {
    "parametric": (fftgenerators.initialize_param_2d_fft_filter, fftgenerators.generate_noise_2d_fft_filter),
    "nonparametric": (fftgenerators.initialize_nonparam_2d_fft_filter, fftgenerators.generate_noise_2d_fft_filter),
    "bps": (motion.initialize_bps, motion.generate_bps),
}


def get_method(name: str):
    """``"parametric"``, ``"nonparametric"`` or ``"bps"`` → ``(init, generate)``; ``ValueError`` otherwise."""
    try:
        return _METHODS[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown noise method {name!r}; valid: {sorted(_METHODS)}") from None
