#!/usr/bin/env python3
"""driver.py RUNS WARMUP FLOOR BASE LABEL PROG ARGS... [:: LABEL PROG ARGS...]...

Times each command RUNS times, interleaved: every iteration runs each command once, starting
with a different one each time, so drift on a busy machine hits them all alike. One sample is
the wall time of posix_spawn + wait4 (perf_counter_ns). Prints the median per command, its
ratios to the commands labelled FLOOR and BASE, and its median count of page faults (the
child's minor faults, from wait4: the same on every run of one binary, so a layout's effect
shows without timing noise). Any failed run
aborts: a benchmark of a command that does not work measures nothing.
"""
import os
import statistics
import sys
import time


def main():
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    floor_label, base_label = sys.argv[3], sys.argv[4]
    cmds, cur = [], []
    for word in sys.argv[5:] + ["::"]:
        if word == "::":
            if len(cur) < 2:
                sys.exit("driver: each command needs a label and a program")
            cmds.append((cur[0], cur[1], cur[1:]))
            cur = []
        else:
            cur.append(word)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    samples = {label: [] for label, _, _ in cmds}
    faults = {label: [] for label, _, _ in cmds}
    n = len(cmds)
    for i in range(warmup + runs):
        for k in range(n):
            label, prog, argv = cmds[(i + k) % n]
            t0 = time.perf_counter_ns()
            pid = os.posix_spawn(prog, argv, env)
            _, status, usage = os.wait4(pid, 0)
            t1 = time.perf_counter_ns()
            if status != 0:
                sys.exit(f"driver: {label}: {' '.join(argv)} exited with wait status {status}")
            if i >= warmup:
                samples[label].append(t1 - t0)
                faults[label].append(usage.ru_minflt)
    if floor_label not in samples or base_label not in samples:
        sys.exit("driver: FLOOR and BASE must be labels of commands")
    med = {label: statistics.median(s) for label, s in samples.items()}
    width = max(len(label) for label in med)
    print(f"{'':{width}}  median µs   p10-p90 µs   vs {floor_label}   vs {base_label}   faults")
    for label, s in samples.items():
        q = statistics.quantiles(s, n=10)
        print(
            f"{label:{width}}  {med[label] / 1000:9.1f}   {q[0] / 1000:5.0f}-{q[-1] / 1000:<5.0f}"
            f"   {med[label] / med[floor_label]:{len(floor_label) + 2}.2f}x"
            f"   {med[label] / med[base_label]:{len(base_label) + 2}.2f}x"
            f"   {statistics.median(faults[label]):6.0f}"
        )
    for label, value in med.items():
        print(f"median {label} {value / 1000:.1f}")


main()
