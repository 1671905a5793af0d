"""Correlated noise and motion perturbations for stochastic nowcasts, shaped like ``pysteps.noise``.

>>> from squall.noise.fftgenerators import initialize_nonparam_2d_fft_filter, generate_noise_2d_fft_filter
>>> F = initialize_nonparam_2d_fft_filter(frames_db)          # doctest: +SKIP
>>> noise = generate_noise_2d_fft_filter(F, seed=42)          # doctest: +SKIP
"""

from . import fftgenerators, motion
from .interface import get_method

__all__ = ["fftgenerators", "get_method", "motion"]
