"""Summarises the memory readings of a run's metrics.jsonl (see soak.sh): flat memory has a slope near zero and
the same maximum in every epoch."""
import json
import sys
from collections import defaultdict

READINGS = ("heapUsedBytes", "heapAfterGcBytes", "heapCommittedBytes", "javacppBytes", "physicalBytes")
# Resident memory outside the Java heap: native arrays, oneDNN, glibc arenas, metaspace, code, thread stacks.


def slope(ys):
    n = len(ys)
    mx = (n - 1) / 2
    my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in range(n))
    return sum((x - mx) * (y - my) for x, y in enumerate(ys)) / sxx if sxx else 0.0


def main(path):
    series = defaultdict(list)   # (jvm, reading) -> [(epoch, value)]
    rounds = 0
    for line in open(path):
        if not line.endswith("\n"):
            break  # a run still writing: its last record is not complete yet
        record = json.loads(line)
        if record.get("type") != "round":
            continue
        rounds += 1
        jvms = [("driver", record["driverMemory"])]
        # In local mode the executors are the driver's JVM: one series.
        jvms += [(f"executor {w['executorId']}", w["memory"]) for w in record["workers"] if w["executorId"] != "driver"]
        for jvm, memory in dict(jvms).items():
            for reading in (r for r in READINGS if r in memory):
                series[(jvm, reading)].append((record["epoch"], memory[reading]))
            series[(jvm, "physical - heap committed")].append(
                (record["epoch"], memory["physicalBytes"] - memory["heapCommittedBytes"]))
    print(f"{rounds} rounds from {path}")
    print("| JVM | reading | first 10% (MiB) | last 10% (MiB) | slope (KiB / 1,000 rounds) | slope, second half "
          "| max per epoch (MiB; heap in use: min) |")
    print("|---|---|---|---|---|---|---|")
    mib = 1 << 20
    for (jvm, reading), points in sorted(series.items()):
        values = [v for _, v in points]
        tenth = max(1, len(values) // 10)
        first = sum(values[:tenth]) / tenth
        last = sum(values[-tenth:]) / tenth
        # The heap in use swings with garbage between collections: its floor per epoch is what stays alive.
        pick = min if reading == "heapUsedBytes" else max
        per_epoch = {}
        for epoch, v in points:
            per_epoch[epoch] = pick(per_epoch.get(epoch, v), v)
        maxima = ", ".join(f"{per_epoch[e] / mib:.1f}" for e in sorted(per_epoch))
        half = values[len(values) // 2:]
        print(f"| {jvm} | {reading} | {first / mib:.1f} | {last / mib:.1f} | {slope(values) * 1000 / 1024:.1f} "
              f"| {slope(half) * 1000 / 1024:.1f} | {maxima} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: soak_summary.py RUN/metrics.jsonl")
    main(sys.argv[1])
