#!/usr/bin/env python3
"""The speed and scale benchmark of onus (issue 13): on the real corpus and a generated one,
`onus check --format json` on 1 and 2 threads, parsing alone (`--select invalid-yaml`: reading,
parsing and one file rule), two 1-thread runs at once (the machine's own ceiling for the
speed-up), and Checkov when it is installed; peak RSS on 1, 8 and 16 copies of the real corpus.
Runs are interleaved; medians of N. On Linux it also prints the share of CPU time the host
took during the timed runs (steal): on a virtual machine, how noisy the window was.

usage: benches/speed/run.py BIN [N]   (N: 5; the real corpus is ../shared/corpus/real)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "corpus", "real"))


def timed(cmd):
    """Wall time (s), peak RSS (MB) and stdout of one run. The RSS is GNU time's: a child
    forked from this Python process would count Python's pages until it execs."""
    with tempfile.NamedTemporaryFile(mode="r") as rss:
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        if p.returncode > 1:
            sys.exit(f"{' '.join(cmd)}: exit {p.returncode}")
        kb = int(rss.read().strip().splitlines()[-1])
    return wall, kb / 1024, p.stdout


def pair(cmd):
    """Wall time (s) of two runs of `cmd` started together: how much two cores of this
    machine give, now, to two runs that share nothing."""
    start = time.perf_counter()
    ps = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    for p in ps:
        p.wait()
    return time.perf_counter() - start


def cpu_times():
    """The machine's CPU times from /proc/stat (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def steal_share(before, after):
    """The share of the cores' time the host took (steal) between two `cpu_times`, in %."""
    if not before or not after or len(before) < 8:
        return None
    d = [b - a for a, b in zip(before, after)]
    return 100 * d[7] / max(1, sum(d))


def copies(n, into):
    """`n` copies of the real corpus under `into` (files copied, so paths differ)."""
    d = os.path.join(into, f"x{n}")
    if not os.path.isdir(d):
        for i in range(n):
            shutil.copytree(REAL, os.path.join(d, f"c{i}"), symlinks=False)
    return d


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if not os.path.isdir(REAL):
        sys.exit(f"{REAL} is absent: the benchmark reads the shared corpus")
    tmp = tempfile.mkdtemp(prefix="onus-speed-")
    generated = os.path.join(tmp, "generated")
    subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), generated], check=True)
    corpora = {"real": REAL, "generated": generated}
    resources = {}
    for name, path in corpora.items():
        _, _, out = timed([binary, "check", "--format", "json", path])
        resources[name] = json.loads(out)["summary"]["resources"]
    cases = {}
    for name, path in corpora.items():
        cases[f"{name}: check, 1 thread"] = [binary, "check", "--format", "json", "--jobs", "1", path]
        cases[f"{name}: check, 2 threads"] = [binary, "check", "--format", "json", "--jobs", "2", path]
        cases[f"{name}: parse only, 1 thread"] = [binary, "check", "--format", "json", "--jobs", "1", "--select", "invalid-yaml", path]
        cases[f"{name}: parse only, 2 threads"] = [binary, "check", "--format", "json", "--jobs", "2", "--select", "invalid-yaml", path]
    walls = {k: [] for k in cases}
    rss = {k: [] for k in cases}
    pairs = []
    stat_before = cpu_times()
    for _ in range(n):
        for k, cmd in cases.items():
            w, r, _ = timed(cmd)
            walls[k].append(w)
            rss[k].append(r)
        pairs.append(pair(cases["real: check, 1 thread"]))
    steal = steal_share(stat_before, cpu_times())
    print(f"onus: {binary}; {n} interleaved runs each, medians; {os.cpu_count()} cores")
    print(f"{'case':34} {'median':>9} {'resources/s':>12} {'peak RSS':>9}")
    med = {}
    for k in cases:
        corpus = k.split(":")[0]
        med[k] = statistics.median(walls[k])
        print(f"{k:34} {med[k] * 1000:7.0f} ms {resources[corpus] / med[k]:12,.0f} {statistics.median(rss[k]):7.0f} MB")
    for corpus in corpora:
        one, two = med[f"{corpus}: check, 1 thread"], med[f"{corpus}: check, 2 threads"]
        parse1 = med[f"{corpus}: parse only, 1 thread"]
        print(f"{corpus}: {resources[corpus]} resources; speed-up 1 -> 2 threads x{one / two:.2f}; "
              f"check / parse only (1 thread) x{one / parse1:.2f}")
    # The ceiling of the speed-up on this machine in this window: two 1-thread runs that
    # share nothing, at once, against one alone (a busy host gives less than x2).
    both = statistics.median(pairs)
    print(f"two 1-thread runs on the real corpus at once: {both * 1000:.0f} ms, "
          f"x{2 * med['real: check, 1 thread'] / both:.2f} the work of one in its time "
          f"(what two cores give now to work that shares nothing)")
    if steal is not None:
        # On a virtual machine, time the host gave to others: the window's noise, in one number.
        print(f"host steal during the timed runs: {steal:.0f}% of the cores' time (0 in a quiet window)")
    print(f"peak RSS with copies of the real corpus (check, 2 threads; median of {n}, max):")
    for c in (1, 8, 16):
        path = REAL if c == 1 else copies(c, tmp)
        runs = [timed([binary, "check", "--format", "json", path]) for _ in range(n)]
        w = statistics.median(x[0] for x in runs)
        r = [x[1] for x in runs]
        print(f"  x{c:<3} {w * 1000:7.0f} ms {statistics.median(r):7.0f} MB (max {max(r):.0f})")
    if shutil.which("checkov"):
        start = time.perf_counter()
        subprocess.run(["checkov", "-d", REAL, "--quiet", "--compact", "-o", "json", "--framework", "kubernetes"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ck = time.perf_counter() - start
        print(f"checkov on the real corpus: {ck:.1f} s, x{ck / med['real: check, 2 threads']:.0f} the time of onus (2 threads)")
    else:
        print("checkov: not installed (pip install checkov) - not timed")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
