#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs it; run it by hand with the same variables):
# install onus from the action's own checkout unless it is there already, lint once, write
# SARIF for code scanning, print annotations, add a job summary, and exit as onus does.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
workspace="${GITHUB_WORKSPACE:-$PWD}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
paths="${INPUT_PATHS:-.}"
config="${INPUT_CONFIG:-}"
fail_on="${INPUT_FAIL_ON:-error}"
format="${INPUT_FORMAT:-github}"
sarif="${INPUT_SARIF_FILE:-onus.sarif}"
baseline="${INPUT_BASELINE:-}"
# Where the action installs onus; action.yml caches this directory.
root="${ONUS_INSTALL_ROOT:-$HOME/.onus-action}"

onus="${ONUS_BIN:-}"
if [ -z "$onus" ]; then
  onus="$root/bin/onus"
  if [ ! -x "$onus" ]; then
    echo "::group::Installing onus from $action_path"
    cargo install --locked --quiet --path "$action_path" --root "$root"
    echo "::endgroup::"
  fi
fi

summary="$temp/onus-summary.md"
args=(check --fail-on "$fail_on"
  --format sarif --output "$sarif"
  --format markdown --output "$summary"
  --format "$format")
if [ -n "$config" ]; then args+=(--config "$config"); fi
if [ -n "$baseline" ]; then args+=(--baseline "$baseline"); fi
# Paths are separated by whitespace.
read -r -a path_list <<<"$paths"

status=0
(cd "$workspace" && "$onus" "${args[@]}" "${path_list[@]}") || status=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary" ]; then
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "sarif-file=$sarif"
    echo "exit-code=$status"
  } >>"$GITHUB_OUTPUT"
fi
exit "$status"
