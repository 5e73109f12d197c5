#!/usr/bin/env bash
# Time and peak memory of `onus check` on each hostile input beside a good file.
# Usage: benches/hostile/measure.sh BIN [DIR] (DIR from gen.py; default /tmp/onus-hostile)
set -uo pipefail
bin="${1:?usage: measure.sh BIN [DIR]}"
dir="${2:-/tmp/onus-hostile}"
limit="${LIMIT:-30}"
for input in "$dir"/*; do
  case "$input" in */good.yaml) continue ;; esac
  out="$(mktemp)"
  timeout -s KILL "$limit" /usr/bin/time -f "%e %M" -o "$out.time" \
    "$bin" check --format json "$dir/good.yaml" "$input" >"$out" 2>/dev/null
  rc=$?
  read -r secs kb < <(tail -n 1 "$out.time") || true
  [ "$rc" = 137 ] && secs=">$limit"
  printf '%-26s %8s s %9s KB  exit %s\n' "$(basename "$input")" "$secs" "$kb" "$rc"
  rm -f "$out" "$out.time"
done
