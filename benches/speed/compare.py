#!/usr/bin/env python3
"""Time commands interleaved (the machine is noisy: compare within one run) and print each
one's median, min and its ratio to the first.

usage: benches/speed/compare.py N 'CMD A' 'CMD B' ...   (each CMD run by the shell, output
discarded; prefix environment variables as in a shell: 'ONUS_KEEP_BYTES=0 onus check ...')
"""
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    cmds = sys.argv[2:]
    times = {c: [] for c in cmds}
    for _ in range(n):
        for c in cmds:
            start = time.perf_counter()
            p = subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[c].append(time.perf_counter() - start)
            if p.returncode > 1:
                sys.exit(f"{c}: exit {p.returncode}")
    base = statistics.median(times[cmds[0]])
    for c in cmds:
        med = statistics.median(times[c])
        print(f"{med * 1000:8.1f} ms (min {min(times[c]) * 1000:7.1f})  x{med / base:5.2f}  {c}")


if __name__ == "__main__":
    main()
