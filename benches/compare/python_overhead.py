#!/usr/bin/env python3
"""What calling Squall from Python costs over the Rust call, on 512 x 512 frames of a real sequence.

The Rust calls come from ``python/examples/python_overhead.rs`` built as a C library (an example of the
``squall-python`` crate, so squall is the very build the extension links) and loaded here with ``ctypes``. Each
Rust call and the same call through the ``squall`` package (``squall.extrapolation.semilagrangian.extrapolate``,
``squall.verification.det_cat_fct``, ``squall.motion.dense_lucaskanade``, ``squall.verification.fss``,
``squall.verification.CRPS``, ``squall.nowcasts.steps.forecast``; frames 10-12 of the sequence, inputs as the
example's docs say) run alternately in one process on the same numpy arrays: same allocator, same memory
placement of the inputs, same moment of the machine's load. Both sides read the sequence first, so that both
thread pools have the same history.

Per kernel, after a warm-up of each, pairs (Rust call, Python call) are timed, the order swapped every pair, for
``--budget`` seconds (at least ``--min-pairs`` pairs). The Rust time is the Rust call alone (measured inside the
library); the Python time is the package call as a user makes it (``time.perf_counter`` around it). Freeing the
result comes after the clock stops on both sides, before the next call. The checksums of both results (they must
agree; the script fails if not) come from the warm-up calls.

Printed per kernel: medians of the Rust and Python times, the overhead (median over the pairs of Python / Rust
- 1: each pair sees the same moment of the machine's load) with a 95 % bootstrap interval, and the checksums.
With ``--float64`` the Python calls get float64 copies of the inputs (pysteps' dtype): det_cat, fss and CRPS
read float64 as it is, in Python and in Rust (``overhead_run_f64`` gets the same float64 arrays); the other
kernels work in float32, so the package's conversion counts as its overhead. Run from the repo root with the package built (``make python``)::

    cargo build --release -p squall-python --example python_overhead
    .venv/bin/python benches/compare/python_overhead.py [--dir ../shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import time

import numpy as np

import squall

KERNELS = ["extrapolate", "det_cat", "lucas_kanade", "fss", "crps", "steps"]
# The scores that take float64 as it is (the Rust side then gets the float64 arrays too, with --float64).
FLOAT64_KERNELS = {"det_cat", "fss", "crps"}


def inputs(rate):
    """The kernels' float32 C-contiguous inputs from frames (3, y, x) in mm/h: rate, db, velocity, members."""
    velocity = np.empty((2,) + rate.shape[1:], np.float32)
    velocity[0], velocity[1] = 2.5, -1.5
    db = np.where(rate >= 0.1, 10.0 * np.log10(np.maximum(rate, 0.1)), -15.0).astype(np.float32)
    members = np.empty((8,) + rate.shape[1:], np.float32)
    members[:3] = rate
    for k in range(3, 8):
        # Frame 2 shifted by k - 2 pixels along x (edge column repeated).
        shift = k - 2
        members[k, :, shift:] = rate[1, :, :-shift]
        members[k, :, :shift] = rate[1, :, :1]
    return {"rate": rate, "db": db, "velocity": velocity, "members": members}


def python_calls(arrays):
    """Each kernel's package call (a function of no argument) and the checksum of its result."""
    rate, db, velocity, members = (arrays[k] for k in ("rate", "db", "velocity", "members"))
    previous, last = rate[1], rate[2]
    finite_sum = lambda a: float(np.nansum(a, dtype=np.float64))  # noqa: E731
    return {
        "extrapolate": (lambda: squall.extrapolation.semilagrangian.extrapolate(last, velocity, 12), finite_sum),
        # det_cat_fct's dict has the scores, not the counts: the hits are recovered from POD and the event count.
        "det_cat": (lambda: squall.verification.det_cat_fct(previous, last, 1.0),
                    lambda s: round(s["POD"] * float(np.count_nonzero(last > 1.0)))),
        "lucas_kanade": (lambda: squall.motion.dense_lucaskanade(db), finite_sum),
        "fss": (lambda: squall.verification.fss(previous, last, 1.0, 9), float),
        "crps": (lambda: squall.verification.CRPS(members, last), float),
        "steps": (lambda: squall.nowcasts.steps.forecast(
            db, velocity, 3, n_ens_members=4, n_cascade_levels=6, precip_thr=-10.0, kmperpixel=1.0, timestep=5.0,
            seed=1), finite_sum),
    }


class RustCalls:
    """The example library on the float32 ``arrays``: ``run(kernel)`` → (seconds of the Rust call, checksum)."""

    def __init__(self, path, folder, arrays, arrays64=None):
        self.lib = ctypes.CDLL(path)
        # The library reads the sequence too: its thread pool then has the package's history (see the example's
        # docs), and both readers must give the same frames.
        self.lib.overhead_read.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_double)]
        total = ctypes.c_double()
        if self.lib.overhead_read(folder.encode(), ctypes.byref(total)):
            raise SystemExit(f"{path}: could not read {folder}")
        python_total = float(np.sum(arrays["rate"], dtype=np.float64))
        if not np.isclose(total.value, python_total, rtol=1e-9):
            raise SystemExit(f"the Rust and Python readers differ: {total.value} / {python_total}")
        pointer = ctypes.POINTER(ctypes.c_float)
        self.lib.overhead_run.argtypes = [ctypes.c_char_p] + [pointer] * 4 + [ctypes.c_size_t] * 2 + [
            ctypes.POINTER(ctypes.c_double)] * 2
        self.arrays = arrays  # kept alive while the library reads them
        for name, shape0 in (("rate", 3), ("db", 3), ("velocity", 2), ("members", 8)):
            a = arrays[name]
            assert a.dtype == np.float32 and a.flags.c_contiguous and a.shape[0] == shape0, name
        self.pointers = [arrays[k].ctypes.data_as(pointer) for k in ("rate", "db", "velocity", "members")]
        self.shape = arrays["rate"].shape[1:]
        # float64 copies for the scores that read float64 (None: float32 everywhere).
        self.arrays64 = arrays64
        if arrays64 is not None:
            pointer64 = ctypes.POINTER(ctypes.c_double)
            self.lib.overhead_run_f64.argtypes = [ctypes.c_char_p] + [pointer64] * 2 + [ctypes.c_size_t] * 2 + [
                ctypes.POINTER(ctypes.c_double)] * 2
            self.pointers64 = [arrays64[k].ctypes.data_as(pointer64) for k in ("rate", "members")]

    def run(self, kernel, checksum=False):
        seconds, total = ctypes.c_double(), ctypes.c_double()
        if self.arrays64 is not None and kernel in FLOAT64_KERNELS:
            if self.lib.overhead_run_f64(kernel.encode(), *self.pointers64, *self.shape, ctypes.byref(seconds),
                                         ctypes.byref(total)):
                raise SystemExit(f"the Rust call {kernel} (float64) failed")
            return seconds.value, total.value
        if self.lib.overhead_run(kernel.encode(), *self.pointers, *self.shape, ctypes.byref(seconds),
                                 ctypes.byref(total) if checksum else None):
            raise SystemExit(f"the Rust call {kernel} failed")
        return seconds.value, total.value


def time_python(call):
    """Seconds of one package call; its result is freed after the clock stops (as the Rust side does)."""
    t = time.perf_counter()
    out = call()
    seconds = time.perf_counter() - t
    del out
    return seconds


def overhead(rust, python, rng, n_boot=2000):
    """Median over the pairs of python / rust − 1, and its 95 % bootstrap interval (resampling the pairs)."""
    ratios = np.asarray(python) / np.asarray(rust) - 1.0
    boot = np.median(ratios[rng.integers(0, len(ratios), size=(n_boot, len(ratios)))], axis=1)
    return float(np.median(ratios)), np.percentile(boot, [2.5, 97.5])


def measure(kernel, rust, call, checksum, budget, min_pairs):
    """Times alternate (Rust, Python) pairs of one kernel; returns the two lists of seconds and the checksums.

    The checksums come from the warm-up calls, so that the timed pairs allocate and free the same on both sides.
    """
    _, rust_sum = rust.run(kernel, checksum=True)  # warm-up of both (thread pools, first-touch pages, caches)
    python_sum = checksum(call())
    times_rust, times_python = [], []
    start = time.perf_counter()
    while len(times_rust) < min_pairs or time.perf_counter() - start < budget:
        if len(times_rust) % 2 == 0:
            times_rust.append(rust.run(kernel)[0])
            times_python.append(time_python(call))
        else:
            times_python.append(time_python(call))
            times_rust.append(rust.run(kernel)[0])
    return times_rust, times_python, rust_sum, python_sum


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="../shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16")
    parser.add_argument("--budget", type=float, default=15.0, help="seconds of pairs per kernel")
    parser.add_argument("--min-pairs", type=int, default=9)
    parser.add_argument("--kernels", default=",".join(KERNELS))
    parser.add_argument("--float64", action="store_true", help="give the Python calls float64 inputs")
    parser.add_argument("--library", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                          "release", "examples", "libpython_overhead.so"))
    args = parser.parse_args()
    values, _ = squall.io.open_sequence(args.dir)
    rate = np.nan_to_num(values[10:13], nan=0.0).astype(np.float32)
    assert rate.shape[1:] == (512, 512), rate.shape
    arrays = inputs(rate)
    arrays64 = {k: a.astype(np.float64) for k, a in arrays.items()} if args.float64 else None
    rust = RustCalls(args.library, args.dir, arrays, arrays64)
    calls = python_calls(arrays64 if args.float64 else arrays)
    rng = np.random.default_rng(0)
    print(f"load average {os.getloadavg()[0]:.2f}; inputs {'float64' if args.float64 else 'float32'}")
    print(f"{'kernel':13} {'pairs':>5} {'rust ms':>9} {'python ms':>10} {'overhead':>9} {'95 % interval':>17}"
          "  checksums (rust / python)")
    failed = []
    for kernel in args.kernels.split(","):
        call, checksum = calls[kernel]
        times_rust, times_python, rust_sum, python_sum = measure(
            kernel, rust, call, checksum, args.budget, args.min_pairs)
        r, p = np.median(times_rust), np.median(times_python)
        ratio, (low, high) = overhead(times_rust, times_python, rng)
        agree = np.isclose(rust_sum, python_sum, rtol=1e-7, atol=0.0)
        if not agree:
            failed.append(kernel)
        print(f"{kernel:13} {len(times_rust):5d} {r * 1e3:9.3f} {p * 1e3:10.3f} {100 * ratio:8.1f}% "
              f"[{100 * low:+6.1f}, {100 * high:+6.1f}] %  {rust_sum:.10g} / {python_sum:.10g}"
              f"{'' if agree else '  DIFFER'}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    if failed:
        raise SystemExit(f"checksums differ: {', '.join(failed)}")


if __name__ == "__main__":
    main()
