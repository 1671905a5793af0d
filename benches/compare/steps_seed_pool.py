#!/usr/bin/env python3
"""Pools the per-seed rows that ``steps_seed_statistics`` (``tests/it/steps_pysteps.rs``) prints, over one or more
logs (e.g. a run extended with ``SQUALL_STEPS_FIRST_SEED``), and prints the same statistics as the test: per case
and score the means of ``own`` (Squall's draws), ``hybrid`` (pysteps' Bowler deviates, Squall's noise) and
``replay`` (all of pysteps' draws), ``own − replay`` (independent, SE √(s²_own/N + s²_replay/N)) and
``hybrid − replay`` (paired, SE sd(d)/√N), in % of the replay mean. Plain Python, no peer needed::

    SQUALL_STEPS_SEEDS=10 SQUALL_STEPS_CASES=rmi:12 cargo test --release --test it \\
        steps_pysteps::steps_seed_statistics -- --nocapture > a.log
    SQUALL_STEPS_FIRST_SEED=34 SQUALL_STEPS_SEEDS=20 SQUALL_STEPS_CASES=rmi:12 cargo test ... > b.log
    python3 benches/compare/steps_seed_pool.py a.log b.log
"""

from __future__ import annotations

import math
import re
import sys

ROW = re.compile(r"(\w+) (\d+) seed (\d+) \(CRPS, FSS\): own (.*) \| hybrid (.*) \| replay (.*)")
LABELS = ["CRPS", "FSS 1 mm/h 4 px", "FSS 1 mm/h 16 px", "FSS 5 mm/h 4 px", "FSS 5 mm/h 16 px"]


def mean(v):
    return sum(v) / len(v)


def variance(v):
    m = mean(v)
    return sum((x - m) ** 2 for x in v) / (len(v) - 1)


def main() -> int:
    cases: dict[tuple[str, int], dict[int, list[list[float]]]] = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                m = ROW.match(line)
                if m:
                    runs = [[float(v) for v in m[i].split()] for i in (4, 5, 6)]
                    cases.setdefault((m[1], int(m[2])), {})[int(m[3])] = runs
    for (service, end), by_seed in cases.items():
        seeds = sorted(by_seed)
        n = len(seeds)
        if n < 2:
            continue
        print(f"{service} {end}: {n} seeds ({seeds[0]}–{seeds[-1]})")
        for i, label in enumerate(LABELS):
            own, hybrid, replay = ([by_seed[s][k][i] for s in seeds] for k in range(3))
            p = mean(replay)
            unpaired = (mean(own) - p, math.sqrt((variance(own) + variance(replay)) / n))
            d = [h - r for h, r in zip(hybrid, replay)]
            paired = (mean(d), math.sqrt(variance(d) / n))
            print(f"  {label:<16} own {mean(own):.4f} hybrid {mean(hybrid):.4f} replay {p:.4f} "
                  f"(one run sd {100 * math.sqrt(variance(replay)) / p:.1f} %); "
                  f"own − replay {100 * unpaired[0] / p:+.2f} ± {100 * unpaired[1] / p:.2f} %; "
                  f"hybrid − replay {100 * paired[0] / p:+.2f} ± {100 * paired[1] / p:.2f} % (paired)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
