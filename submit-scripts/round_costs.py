#!/usr/bin/env python3
"""Where the rounds of one or more runs spent their time: metrics.json's rounds[].cost, averaged per run.

   submit-scripts/round_costs.py RUN [RUN ...] [--skip N]

Prints one line per run: workers, rounds averaged, and the mean seconds of scheduling, broadcast, compute, result
and averaging per round, with their total (docs/scaling.md). --skip N leaves out each run's first N rounds (the
first rounds on a fresh executor include JIT compilation and the first fetch of Spark's classes); default 2.
"""
import json
import sys


def main(argv):
    skip = 2
    runs = []
    i = 0
    while i < len(argv):
        if argv[i] == "--skip":
            if i + 1 >= len(argv) or not argv[i + 1].isdigit():
                sys.exit("round_costs.py: --skip needs a whole number")
            skip = int(argv[i + 1])
            i += 2
        else:
            runs.append(argv[i])
            i += 1
    if not runs:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    parts = ["scheduling", "broadcast", "compute", "result", "averaging", "total"]
    print("%-40s %7s %6s " % ("run", "workers", "rounds") + " ".join("%10s" % p for p in parts) + "  (ms per round)")
    for run in runs:
        try:
            with open(run.rstrip("/") + "/metrics.json") as f:
                m = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit("round_costs.py: %s/metrics.json: %s" % (run, e))
        rounds = [r for r in m["rounds"] if r.get("cost", {}).get("total", 0) > 0][skip:]
        if not rounds:
            sys.exit("round_costs.py: %s has no measured rounds after skipping %d" % (run, skip))
        means = [1000 * sum(r["cost"][p] for r in rounds) / len(rounds) for p in parts]
        print("%-40s %7d %6d " % (run[-40:], m["workers"], len(rounds)) + " ".join("%10.1f" % v for v in means))


if __name__ == "__main__":
    main(sys.argv[1:])
