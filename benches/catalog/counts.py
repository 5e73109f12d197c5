#!/usr/bin/env python3
"""Findings per rule on ../shared/corpus/real, each project linted on its own (as a team
would lint its repository), as a Markdown table.

usage: benches/catalog/counts.py BIN [CORPUS]   (CORPUS defaults to ../shared/corpus/real)
"""
import json
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared", "corpus", "real")
    projects = sorted(p for p in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, p)))
    rules = [line.split()[0] for line in subprocess.run(
        [binary, "rules"], capture_output=True, text=True, check=True).stdout.splitlines() if line.strip()]
    counts = {r: {} for r in rules}
    for p in projects:
        out = subprocess.run([binary, "check", "--format", "json", os.path.join(corpus, p)],
                             capture_output=True, text=True)
        if out.returncode > 1:
            sys.exit(f"{p}: exit {out.returncode}: {out.stderr}")
        for f in json.loads(out.stdout)["findings"]:
            counts.setdefault(f["rule"], {})
            counts[f["rule"]][p] = counts[f["rule"]].get(p, 0) + 1
    short = [p.split("__", 1)[-1][:10] for p in projects]
    print("| rule | " + " | ".join(short) + " | total |")
    print("|---" * (len(projects) + 2) + "|")
    for r in sorted(counts):
        row = [counts[r].get(p, 0) for p in projects]
        print(f"| {r} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")


if __name__ == "__main__":
    main()
