//! `--write-baseline` / `--baseline`: recorded findings stay set aside through unrelated
//! edits (lines inserted above, documents reordered, an unrelated key renamed); a new
//! violation in the same file is the only one reported.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const BEFORE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: agent, image: \"agent:2.1.0\"}]
      volumes:
        - name: logs
          hostPath: {path: /var/log}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: ops}
spec:
  containers: [{name: c, image: \"busybox:1.36\", ports: [{containerPort: 80, hostPort: 80}]}]
";

/// `budget`: the bytes of findings onus keeps in memory (`ONUS_FINDINGS_BYTES`); past it they
/// wait on disk, and the baseline must mark the same findings.
fn check_with(budget: &str, dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .current_dir(dir)
        .env("ONUS_FINDINGS_BYTES", budget)
        .args(["check", "manifests.yaml", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

fn rules(v: &Value) -> Vec<String> {
    let mut r: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect();
    r.sort();
    r
}

#[test]
fn recorded_findings_survive_unrelated_edits_and_only_new_ones_are_reported() {
    recorded_findings_with("4194304");
}

#[test]
fn recorded_findings_survive_when_findings_wait_on_disk() {
    recorded_findings_with("0");
}

fn recorded_findings_with(budget: &str) {
    let check = |dir: &Path, extra: &[&str]| check_with(budget, dir, extra);
    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests.yaml");
    std::fs::write(&manifests, BEFORE).unwrap();
    let (code, v) = check(dir.path(), &[]);
    assert_eq!(code, 1);
    let before = rules(&v);
    assert!(before.len() >= 4, "{before:?}");
    // Recording sets today's findings aside at once.
    let (code, v) = check(dir.path(), &["--write-baseline", "onus-baseline.json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["summary"]["suppressed"].as_u64(),
        Some(before.len() as u64)
    );

    // Lines inserted above, documents reordered, an unrelated key renamed.
    let (deploy, pod) = BEFORE.split_once("---\n").unwrap();
    let edited = format!(
        "# Operations tooling.\n# Reviewed 2026-11.\n{}---\n{}",
        pod,
        deploy
            .replace(
                "{app: agent}}\n  template",
                "{app: agent}}\n  revisionHistoryLimit: 3\n  template"
            )
            .replace("image: \"agent:2.1.0\"", "image: \"agent:2.2.0\"")
    );
    std::fs::write(&manifests, &edited).unwrap();
    let (code, v) = check(dir.path(), &["--baseline", "onus-baseline.json"]);
    assert_eq!(code, 0, "nothing resurfaces: {:?}", rules(&v));
    assert_eq!(rules(&v), Vec::<String>::new());

    // A new violation in the same file: only it is reported.
    let worse = edited.replace(
        "        - name: logs\n",
        "        - name: data\n          hostPath: {path: /srv/data}\n        - name: logs\n",
    );
    std::fs::write(&manifests, worse).unwrap();
    let (code, v) = check(dir.path(), &["--baseline", "onus-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&v),
        ["host-path-volume spec.template.spec.volumes[name=data].hostPath"]
    );
    let baselined = v["suppressed"].as_array().unwrap();
    assert!(
        baselined
            .iter()
            .all(|f| f["suppressed"]["kind"] == "baseline")
    );
}

#[test]
fn a_broken_baseline_is_a_run_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifests.yaml"), BEFORE).unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        "{\"version\": 1, \"findigns\": []}",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .current_dir(dir.path())
        .args(["check", "manifests.yaml", "--baseline", "b.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("b.json: not an onus baseline"), "{err}");
}
