"""Cascade decomposition of fields into spatial scales, shaped like ``pysteps.cascade``.

>>> from squall.cascade.bandpass_filters import filter_gaussian
>>> from squall.cascade.decomposition import decomposition_fft, recompose_fft
>>> bp = filter_gaussian((256, 256), 6)
>>> decomp = decomposition_fft(field, bp, normalize=True)     # doctest: +SKIP
"""

from . import bandpass_filters, decomposition
from .interface import get_method

__all__ = ["bandpass_filters", "decomposition", "get_method"]
