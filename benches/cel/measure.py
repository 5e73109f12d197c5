#!/usr/bin/env python3
"""What user rules cost: `onus check --format json CORPUS` with no user rule and with the ten
CEL rules of benches/cel/rules, interleaved, median of N runs each, and the ratio.

usage: benches/cel/measure.py BIN [CORPUS] [N]   (CORPUS: ../shared/corpus/real, N: 5)
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "..", "shared", "corpus", "real")
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    runs = {
        "no user rule": [binary, "check", "--format", "json", corpus],
        "ten CEL rules": [binary, "check", "--format", "json", corpus, "--rules", os.path.join(here, "rules")],
    }
    times = {k: [] for k in runs}
    findings = {}
    for _ in range(n):
        for name, cmd in runs.items():
            start = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True)
            times[name].append(time.perf_counter() - start)
            if out.returncode > 1:
                sys.exit(f"{name}: exit {out.returncode}: {out.stderr}")
            findings[name] = out.stdout.count('"rule":')
    for name, t in times.items():
        print(f"{name:14} median {statistics.median(t) * 1000:6.0f} ms  "
              f"(runs: {', '.join(f'{x * 1000:.0f}' for x in t)}; {findings[name]} findings)")
    base = statistics.median(times["no user rule"])
    print(f"ratio          {statistics.median(times['ten CEL rules']) / base:.2f}")


if __name__ == "__main__":
    main()
