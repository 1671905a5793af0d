#!/usr/bin/env python3
"""Time pysteps reading the three nowcasting sequences (the peer side of ``benches/composite.rs``).

For each service the file list comes from pysteps' archive finder (``pysteps.io.archive.find_by_date`` with
the data-source entry of pysteps' own ``pystepsrc``, done once, not timed); the timed part is
``pysteps.io.read_timeseries(fns, importer, **importer_kwargs)``: every file imported and stacked into one
``(t, y, x)`` array. Wall clock (``time.perf_counter``) inside this process, after one warm-up run; the median
of ``--runs`` runs is printed. Squall's side: ``cargo bench --bench composite`` (``open_sequence_dir``).

    /work/peers-venv/bin/python benches/compare/composite_read_speed.py [--data-dir DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from importlib import metadata

sys.path.insert(0, os.path.dirname(__file__))
from composite_reference import REPO_ROOT, SERVICES  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)

    import pysteps
    from pysteps.io import archive, importers, read_timeseries

    print(f"pysteps {metadata.version('pysteps')}, median of {args.runs} runs after a warm-up")
    for service, (source, last, count, importer_name) in SERVICES.items():
        src = pysteps.rcparams.data_sources[source]
        root = os.path.join(os.path.abspath(args.data_dir), os.path.relpath(src["root_path"], "."))
        fns = archive.find_by_date(last, root, src["path_fmt"], src["fn_pattern"], src["fn_ext"],
                                   src["timestep"], num_prev_files=count - 1)
        importer = getattr(importers, importer_name)
        kwargs = dict(src["importer_kwargs"])
        read_timeseries(fns, importer, **kwargs)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            precip, _, _ = read_timeseries(fns, importer, **kwargs)
            times.append(time.perf_counter() - t0)
        print(f"{service}: {count} files {precip.shape}: read_timeseries {statistics.median(times):.3f} s "
              f"(runs: {', '.join(f'{t:.3f}' for t in times)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
