#!/usr/bin/env bash
# Runs this repository's pre-commit hook with `pre-commit try-repo` in a scratch git
# repository, as a user's commit would: it fails on a bad manifest, passes on a good one,
# and passes on a Deployment whose NetworkPolicy sits in another, unchanged file.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export PRE_COMMIT_HOME="$scratch/cache"
# pre-commit builds the hook with `cargo install`: reuse this checkout's build directory.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

fail() {
  echo "test-pre-commit: $*" >&2
  exit 1
}

cd "$scratch"
git init -q work
cd work
git config user.email ci@example.com
git config user.name ci

cat >policy.yaml <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: front}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
YAML
git add policy.yaml
git commit -qm "policies"

# hook FILE EXPECTED: the hook on FILE, as staged, with the exit code expected.
hook() {
  local status=0
  pre-commit try-repo "$repo" onus --files "$1" >"$scratch/hook.log" 2>&1 || status=$?
  if [ "$status" -ne "$2" ]; then
    cat "$scratch/hook.log" >&2
    fail "$1: exit $status, expected $2"
  fi
}

# A Deployment whose NetworkPolicy is in the unchanged policy.yaml: passes.
cat >web.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27.2"}]
YAML
git add web.yaml
hook web.yaml 0

# A bad manifest: fails, and says why.
cat >agent.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop, labels: {app: web}}
spec:
  containers: [{name: agent, image: "agent:1.0.0"}]
  volumes: [{name: data, hostPath: {path: /srv/data}}]
YAML
git add agent.yaml
hook agent.yaml 1
grep -q 'host-path-volume' "$scratch/hook.log" || fail "the finding is not shown"

# A good manifest: passes.
cat >config.yaml <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: web, namespace: shop}
data: {LOG_LEVEL: info}
YAML
git add config.yaml
hook config.yaml 0
echo "test-pre-commit: ok"
