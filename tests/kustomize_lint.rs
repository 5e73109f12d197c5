//! Linting what kustomize deploys: each top-level kustomization is rendered and linted as one
//! set; a finding lands on the file and line that wrote the value (the patch, the
//! kustomization's literal, the base), names the rendered object, and is reported once per
//! place whatever the number of overlays; `onus build` prints the rendered set.

mod common;

use assert_cmd::Command;
use common::run;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn onus() -> Command {
    let mut c = Command::cargo_bin("onus").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn json(args: &[&str]) -> (i32, Value) {
    let r = run(onus().args(["check", "--format", "json"]).args(args));
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

/// `rule file:line namespace/name | message` of each finding.
fn found(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}/{} | {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["resource"]["namespace"].as_str().unwrap_or("-"),
                f["resource"]["name"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn a_patch_and_a_generator_are_blamed_at_their_lines() {
    let (code, v) = json(&[
        "--select",
        "host-path-volume,plaintext-secret",
        "tests/kustomize/shop/overlays/prod",
    ]);
    assert_eq!(code, 1);
    let got = found(&v);
    // The hostPath the overlay's patch adds: at the patch's line, on the rendered object.
    assert!(
        got.contains(&"host-path-volume tests/kustomize/shop/overlays/prod/hostpath.yaml:15 shop-prod/prod-shop-v2 | volume `cache` of Deployment shop-prod/prod-shop-v2 keeps data on the node at /var/cache/shop".to_string()),
        "{got:#?}"
    );
    // A generated Secret: at its literal in the kustomization.
    assert!(
        got.iter().any(|f| f.starts_with(
            "plaintext-secret tests/kustomize/shop/overlays/prod/kustomization.yaml:48 shop-prod/prod-api-token-v2-85t99m5ktb |"
        )),
        "{got:#?}"
    );
    // The base's generated Secret, outside the linted path: in the base, naming the overlay.
    assert!(
        got.iter().any(|f| f.starts_with(
            "plaintext-secret tests/kustomize/shop/base/kustomization.yaml:21 shop-prod/prod-shop-db-v2-6b4784k5mk |"
        ) && f.ends_with("(as rendered by kustomization tests/kustomize/shop/overlays/prod)")),
        "{got:#?}"
    );
    assert_eq!(got.len(), 3, "{got:#?}");
}

#[test]
fn a_base_under_two_overlays_is_reported_once_naming_both() {
    let (_, v) = json(&["--select", "plaintext-secret", "tests/kustomize/shop"]);
    let base: Vec<String> = found(&v)
        .into_iter()
        .filter(|f| f.contains("shop/base/"))
        .collect();
    assert_eq!(base.len(), 1, "{base:#?}");
    assert!(
        base[0].ends_with(
            "(as rendered by kustomizations tests/kustomize/shop/overlays/dev, tests/kustomize/shop/overlays/prod)"
        ),
        "{base:#?}"
    );
}

#[test]
fn cross_object_rules_see_what_the_set_deploys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "base/kustomization.yaml", "resources: [app.yaml]\n");
    write(
        d,
        "base/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, image: \"x:1\"}]\n",
    );
    // Only the secure overlay deploys a policy.
    write(
        d,
        "secure/kustomization.yaml",
        "namespace: secure\nresources: [../base, deny.yaml]\n",
    );
    write(
        d,
        "secure/deny.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n",
    );
    write(
        d,
        "open/kustomization.yaml",
        "namespace: open\nresources: [../base]\n",
    );
    let (_, v) = json(&["--select", "missing-network-policy", d.to_str().unwrap()]);
    let got = found(&v);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].contains("base/app.yaml:3 open/app"), "{got:#?}");
    assert!(
        got[0].contains("(as rendered by kustomization ") && got[0].ends_with("open)"),
        "{got:#?}"
    );
}

#[test]
fn comments_in_a_base_set_its_rendered_findings_aside() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "base/kustomization.yaml", "resources: [pod.yaml]\n");
    write(
        d,
        "base/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true # onus: ignore host-network -- the node agent needs it\n  containers: [{name: c, image: \"x:1\"}]\n",
    );
    write(
        d,
        "prod/kustomization.yaml",
        "namespace: prod\nresources: [../base]\n",
    );
    let (code, v) = json(&[
        "--select",
        "host-network,unused-suppression",
        "--fail-on",
        "info",
        d.join("prod").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    let (_, v) = json(&[
        "--select",
        "host-network,unused-suppression",
        "--show-suppressed",
        d.join("prod").to_str().unwrap(),
    ]);
    assert_eq!(v["summary"]["suppressed"], 1, "{v}");
}

#[test]
fn generator_payloads_are_data_not_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "kustomization.yaml",
        "configMapGenerator:\n- name: conf\n  files: [pod.yaml]\n",
    );
    // A manifest-looking file read as a ConfigMap's data: never linted as a Pod.
    write(
        d,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: \"x:1\"}]\n",
    );
    let (code, v) = json(&["--select", "host-network", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["resources"], 1, "{v}");
}

#[test]
fn a_kustomization_kubectl_would_refuse_is_said_and_its_files_linted_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "kustomization.yaml",
        "resources: [pod.yaml]\npatches:\n- path: missing.yaml\n",
    );
    write(
        d,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: \"x:1\"}]\n",
    );
    let (code, v) = json(&["--select", "host-network", d.to_str().unwrap()]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(found(&v).len(), 1);
    let reasons: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("not rendered (") && r.contains("missing.yaml")),
        "{reasons:?}"
    );
}

#[test]
fn build_prints_the_rendered_set() {
    let r = run(onus().args(["build", "tests/kustomize/shop/overlays/prod"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("name: prod-shop-v2\n"), "{}", r.stdout);
    assert!(r.stdout.contains("namespace: shop-prod\n"));
    assert!(
        r.stdout
            .contains("image: registry.example.com/nginx:1.27\n")
    );
    assert_eq!(r.stdout.matches("\n---\n").count(), 11);
    // --origins: each object says which files wrote it.
    let r = run(onus().args(["build", "--origins", "tests/kustomize/shop/overlays/prod"]));
    assert!(
        r.stdout.contains(
            "# from: tests/kustomize/shop/base/deployment.yaml, \
             tests/kustomize/shop/components/sidecar/kustomization.yaml, \
             tests/kustomize/shop/overlays/prod/kustomization.yaml, \
             tests/kustomize/shop/overlays/prod/resources.yaml, \
             tests/kustomize/shop/overlays/prod/hostpath.yaml, \
             tests/kustomize/shop/components/sidecar/sidecar.yaml\napiVersion: apps/v1\n"
        ),
        "{}",
        r.stdout
    );
    // What cannot be rendered is an error with its place, exit 2.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kustomization.yaml",
        "resources:\n- nowhere.yaml\n",
    );
    let r = run(onus().args(["build", dir.path().to_str().unwrap()]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("kustomization.yaml:2:3: ") && r.stderr.contains("nowhere.yaml"),
        "{}",
        r.stderr
    );
}
