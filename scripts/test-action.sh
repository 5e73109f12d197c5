#!/usr/bin/env bash
# Runs the GitHub Action's script as a runner would (GITHUB_WORKSPACE, RUNNER_TEMP,
# GITHUB_STEP_SUMMARY, GITHUB_OUTPUT set) and checks what it leaves: the SARIF report, the
# annotations, the job summary, the outputs and the exit code. The first run installs onus
# from this checkout, as the action does on a cold cache; the others find it installed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

export GITHUB_ACTION_PATH="$repo"
export RUNNER_TEMP="$scratch/tmp"
export ONUS_INSTALL_ROOT="$scratch/install"
# Reuse this checkout's build directory: the install is then incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
mkdir -p "$RUNNER_TEMP"

fail() {
  echo "test-action: $*" >&2
  exit 1
}

# run NAME EXPECTED-EXIT [VAR=VALUE...]: the action on a workspace holding NAME's manifests.
run() {
  local name="$1" expected="$2"
  shift 2
  local ws="$scratch/$name"
  export GITHUB_WORKSPACE="$ws"
  export GITHUB_STEP_SUMMARY="$scratch/$name.summary.md"
  export GITHUB_OUTPUT="$scratch/$name.output"
  : >"$GITHUB_STEP_SUMMARY"
  : >"$GITHUB_OUTPUT"
  local status=0
  env "$@" "$repo/scripts/action.sh" >"$scratch/$name.log" 2>&1 || status=$?
  if [ "$status" -ne "$expected" ]; then
    cat "$scratch/$name.log" >&2
    fail "$name: exit $status, expected $expected"
  fi
}

mkdir -p "$scratch/bad/deploy" "$scratch/good"
cp -r "$repo/examples/." "$scratch/bad/deploy/"
cat >"$scratch/good/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: web, image: "nginx:1.27.2"}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
YAML

# 1. Findings: exit 1, SARIF, one annotation per finding, a summary, the outputs.
run bad 1 INPUT_PATHS=deploy
sarif="$scratch/bad/onus.sarif"
[ -s "$sarif" ] || fail "no SARIF written"
python3 - "$sarif" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0", log["version"]
results = log["runs"][0]["results"]
assert results, "no results"
assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("deploy/") for r in results)
PY
grep -qE '^::error file=deploy/[^,]+,line=[0-9]+,col=[0-9]+' "$scratch/bad.log" || fail "no annotations"
grep -q '^## onus: ' "$scratch/bad.summary.md" || fail "no job summary"
grep -q '^### Duties' "$scratch/bad.summary.md" || fail "no duties in the summary"
grep -qx 'exit-code=1' "$scratch/bad.output" || fail "no exit-code output"
grep -qx 'sarif-file=onus.sarif' "$scratch/bad.output" || fail "no sarif-file output"
[ -x "$ONUS_INSTALL_ROOT/bin/onus" ] || fail "onus was not installed"

# 2. No error (warnings below --fail-on): exit 0, and a summary that says so.
run good 0
grep -q '^## onus: 0 errors' "$scratch/good.summary.md" || fail "the clean summary"

# 3. fail-on never, another SARIF path, a baseline and a config are passed through.
(cd "$scratch/bad" && "$ONUS_INSTALL_ROOT/bin/onus" check deploy --write-baseline base.json >/dev/null) || true
printf 'severity: {host-port: off}\n' >"$scratch/bad/onus-config.yaml"
run bad 0 INPUT_PATHS=deploy INPUT_FAIL_ON=never INPUT_SARIF_FILE=out/report.sarif \
  INPUT_BASELINE=base.json INPUT_CONFIG=onus-config.yaml INPUT_FORMAT=concise
[ -s "$scratch/bad/out/report.sarif" ] || fail "sarif-file input ignored"
if grep -q 'error\[' "$scratch/bad.log"; then fail "baselined findings reported"; fi

# 4. A path that does not exist: exit 2, still a summary.
run bad 2 INPUT_PATHS="deploy missing-dir"
echo "test-action: ok"
