//! End-to-end behaviour of the binary: exit codes, JSON shape, inputs, determinism,
//! and hostile inputs.

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

fn json(cmd: &mut Command) -> (i32, Value) {
    let r = run(cmd.args(["--format", "json"]));
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

/// (rule, line) of each finding of a JSON report.
fn rule_lines(v: &Value) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const CLEAN: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {LOG_LEVEL: info}\n";
const HOSTNET: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: \"nginx:1.27\"}]\n";

fn write(dir: &Path, name: &str, text: &[u8]) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.yaml", CLEAN.as_bytes());
    let bad = write(dir.path(), "bad.yaml", HOSTNET.as_bytes());
    assert_eq!(run(onus().args(["check", &clean])).code, 0);
    assert_eq!(
        run(onus().args(["check", "--select", "host-network", &bad])).code,
        1
    );
    // host-port is a warning: exit 1 only when failing on warnings.
    let warn = write(
        dir.path(),
        "warn.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    ports: [{containerPort: 80, hostPort: 80}]\n",
    );
    assert_eq!(
        run(onus().args(["check", "--select", "host-port", &warn])).code,
        0
    );
    assert_eq!(
        run(onus().args([
            "check",
            "--select",
            "host-port",
            "--fail-on",
            "warning",
            &warn
        ]))
        .code,
        1
    );
    assert_eq!(
        run(onus().args([
            "check",
            "--select",
            "host-network",
            "--fail-on",
            "never",
            &bad
        ]))
        .code,
        0
    );
    // Bad arguments: exit 2.
    assert_eq!(
        run(onus().args(["check", "--select", "no-such-rule", &clean])).code,
        2
    );
    assert_eq!(
        run(onus().args(["check", "--format", "yaml", &clean])).code,
        2
    );
}

#[test]
fn a_missing_path_exits_2_after_reporting_the_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", HOSTNET.as_bytes());
    let (code, v) = json(onus().args([
        "check",
        "--select",
        "host-network",
        &bad,
        "does/not/exist.yaml",
    ]));
    assert_eq!(code, 2);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    let r = run(onus().args(["check", &bad, "does/not/exist.yaml"]));
    assert!(r.stderr.contains("does/not/exist.yaml"), "{}", r.stderr);
}

#[test]
fn json_report_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", HOSTNET.as_bytes());
    let (_, v) = json(onus().args(["check", "--select", "host-network", &bad]));
    let keys = |o: &Value| -> Vec<String> {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&v),
        [
            "errors",
            "findings",
            "skipped",
            "summary",
            "suppressed",
            "version"
        ]
    );
    assert_eq!(
        keys(&v["summary"]),
        [
            "errors",
            "files",
            "infos",
            "resources",
            "skipped_documents",
            "suppressed",
            "warnings"
        ]
    );
    let f = &v["findings"][0];
    assert_eq!(
        keys(f),
        [
            "column",
            "end_column",
            "end_line",
            "file",
            "fingerprint",
            "help",
            "line",
            "message",
            "path",
            "resource",
            "responsibility",
            "rule",
            "severity"
        ]
    );
    assert_eq!(
        keys(&f["resource"]),
        ["api_version", "kind", "name", "namespace"]
    );
    assert_eq!(
        keys(&f["responsibility"]),
        ["activity", "customer", "id", "provider", "section"]
    );
    assert_eq!(f["rule"], "host-network");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["path"], "spec.hostNetwork");
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(5), Some(20))
    );
    assert_eq!(f["resource"]["namespace"], "default");
    assert_eq!(f["responsibility"]["id"], "3.1.5/secure-flows");
    assert_eq!(f["responsibility"]["customer"], "RA");
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["resources"], 1);
}

#[test]
fn stdin_is_linted_under_the_given_name() {
    let (code, v) = json(
        onus()
            .args([
                "check",
                "--select",
                "host-network",
                "--stdin-filename",
                "pod.yaml",
                "-",
            ])
            .write_stdin(HOSTNET),
    );
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["file"], "pod.yaml");
    let (_, v) = json(onus().args(["check", "-"]).write_stdin(CLEAN));
    assert_eq!(v["summary"]["resources"], 1);
}

#[test]
fn list_items_are_objects_with_their_own_location() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    hostNetwork: true\n    containers: [{name: c, image: \"x:1\"}]\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec:\n    hostNetwork: true\n    containers: [{name: c, image: \"x:1\"}]\n";
    let (_, v) = json(
        onus()
            .args(["check", "--select", "host-network", "-"])
            .write_stdin(list),
    );
    let lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [8, 14]);
    assert_eq!(v["findings"][1]["resource"]["name"], "b");
    assert_eq!(v["summary"]["resources"], 2);
}

#[test]
fn json_manifests_are_linted_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "pod.json",
        br#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "p"},
  "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x:1"}]}
}
"#,
    );
    let (_, v) = json(onus().args(["check", "--select", "host-network", &p]));
    assert_eq!(v["findings"][0]["line"], 5);
    assert_eq!(v["findings"][0]["column"], 12);
}

#[test]
fn non_kubernetes_yaml_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ci.yml", b"name: build\non: [push]\njobs: {}\n");
    write(dir.path(), "values.yaml", b"replicaCount: 1\n---\n- a\n");
    write(
        dir.path(),
        "kustomization.yaml",
        b"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
    );
    let (code, v) = json(onus().args(["check", dir.path().to_str().unwrap()]));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["files"], 3);
    assert_eq!(v["summary"]["resources"], 0);
    // The kustomization's document, and the kustomization itself, which cannot be rendered
    // (its resource is missing).
    assert_eq!(v["summary"]["skipped_documents"], 5, "{v}");
}

#[test]
fn directories_honour_gitignore_hidden_files_globs_and_excludes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".gitignore", b"ignored/\n");
    write(d, "ignored/pod.yaml", HOSTNET.as_bytes());
    write(d, ".hidden/pod.yaml", HOSTNET.as_bytes());
    write(d, "apps/pod.yaml", HOSTNET.as_bytes());
    write(d, "apps/pod.yml", HOSTNET.as_bytes());
    write(d, "apps/notes.txt", HOSTNET.as_bytes());
    write(d, "vendor/pod.yaml", HOSTNET.as_bytes());
    let files = |args: &[&str]| -> Vec<String> {
        let mut c = onus();
        c.current_dir(d)
            .args(["check", "--select", "host-network"])
            .args(args);
        let (_, v) = json(&mut c);
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        files(&[]),
        ["apps/pod.yaml", "apps/pod.yml", "vendor/pod.yaml"]
    );
    assert_eq!(
        files(&["--exclude", "vendor"]),
        ["apps/pod.yaml", "apps/pod.yml"]
    );
    assert_eq!(files(&["apps/*.yml"]), ["apps/pod.yml"]);
    assert_eq!(
        files(&["**/*.yaml", "--exclude", "vendor/**"]),
        ["apps/pod.yaml"]
    );
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    for target in ["examples", "fixtures"] {
        let one = run(onus().args(["check", "--jobs", "1", target]));
        let two = run(onus().args(["check", "--jobs", "2", target]));
        assert_eq!(one.stdout, two.stdout, "{target}: human output differs");
        let (_, j1) = json(onus().args(["check", "--jobs", "1", target]));
        let (_, j2) = json(onus().args(["check", "--jobs", "2", target]));
        assert_eq!(j1, j2, "{target}: JSON differs");
        assert!(j1["summary"]["files"].as_u64().unwrap() > 0);
    }
}

/// Hostile files: each is reported with a location, the others are still linted, nothing crashes.
#[test]
fn hostile_inputs_are_findings_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: laughs}\n";
    write(d, "laughs.yaml", laughs.as_bytes());
    write(d, "deep-flow.yaml", "[".repeat(200_000).as_bytes());
    write(
        d,
        "deep-block.yaml",
        format!("{}x\n", "- ".repeat(200_000)).as_bytes(),
    );
    write(d, "deep-map.yaml", "{a: ".repeat(100_000).as_bytes());
    write(
        d,
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
    );
    write(d, "empty.yaml", b"");
    write(d, "comments.yaml", b"# nothing here\n# at all\n");
    write(d, "pod.yaml", HOSTNET.as_bytes());
    let (code, v) = json(onus().args(["check", "--jobs", "2", d.to_str().unwrap()]));
    assert_eq!(code, 1);
    let findings = v["findings"].as_array().unwrap();
    let of = |file: &str| -> Vec<&Value> {
        findings
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(file))
            .collect()
    };
    for f in ["deep-flow.yaml", "deep-block.yaml", "deep-map.yaml"] {
        let hits = of(f);
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h["rule"] == "invalid-yaml"),
            "{f}: {hits:?}"
        );
    }
    let utf = of("latin1.yaml");
    assert_eq!(utf.len(), 1);
    assert_eq!(
        (
            utf[0]["rule"].as_str(),
            utf[0]["line"].as_u64(),
            utf[0]["column"].as_u64()
        ),
        (Some("invalid-yaml"), Some(3), Some(21))
    );
    assert!(
        of("laughs.yaml").is_empty(),
        "aliases are never expanded: {:?}",
        of("laughs.yaml")
    );
    assert!(of("empty.yaml").is_empty() && of("comments.yaml").is_empty());
    let rules: Vec<&str> = of("pod.yaml")
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.starts_with(&["missing-default-deny", "host-network"]),
        "the healthy file is still linted: {rules:?}"
    );
    assert_eq!(v["summary"]["files"], 8);
}

#[test]
fn catalog_commands() {
    let r = run(onus().args(["rules", "--format", "json"]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "plaintext-secret")
    );
    let r = run(onus().args(["explain", "host-path-volume"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("1.1 Specify service as needed"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("hostPath"));
    assert_eq!(run(onus().args(["explain", "host-path"])).code, 2);
    let r = run(onus().args(["responsibilities", "--format", "json"]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let acts = v.as_array().unwrap();
    let storage = acts
        .iter()
        .find(|a| a["id"] == "3.1.4/encrypt-sensitive-data")
        .unwrap();
    let rules: Vec<&str> = storage["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "plaintext-secret",
            "secret-in-configmap",
            "secret-in-env-literal"
        ]
    );
    assert!(
        acts.iter()
            .filter(|a| !a["checkable"].as_bool().unwrap())
            .all(|a| a["reason"].is_string())
    );
    let r = run(onus().args(["responsibilities"]));
    assert!(r.stdout.contains("not checkable"));
}

#[test]
fn select_and_ignore_take_responsibility_ids() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", HOSTNET.as_bytes());
    let (_, v) = json(onus().args(["check", "--select", "3.1.5/secure-flows", &bad]));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] == "host-network")
    );
    let (_, v) = json(onus().args(["check", "--ignore", "2.3,host-network", &bad]));
    assert!(
        v["findings"].as_array().unwrap().iter().all(|f| {
            f["rule"] != "host-network"
                && !f["responsibility"]["id"]
                    .as_str()
                    .unwrap()
                    .starts_with("2.3/")
        }),
        "{v}"
    );
}

#[test]
fn kustomizations_set_namespaces_and_mark_patches() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "base/kustomization.yaml",
        b"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: base\nresources: [app.yaml, policy.yaml]\npatchesStrategicMerge: [patch.yaml]\n",
    );
    write(
        d,
        "base/app.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, image: \"x:1\"}]\n",
    );
    // No namespace in the file: kustomize puts it beside the Deployment.
    write(
        d,
        "base/policy.yaml",
        b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n",
    );
    // A fragment: not an object of its own.
    write(
        d,
        "base/patch.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: [{name: c, env: [{name: DB_PASSWORD, value: hunter2}]}]\n",
    );
    // Rendered as kustomize deploys it: what the patch adds is reported at the patch's
    // lines, on the object it patches (in the kustomization's namespace).
    let (code, v) = json(onus().args([
        "check",
        "--select",
        "host-network,secret-in-env-literal,missing-network-policy",
        d.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["summary"]["resources"], 2);
    let got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["file"].as_str().unwrap().rsplit_once("base/").unwrap().1,
                f["line"],
                f["rule"].as_str().unwrap(),
                f["resource"]["namespace"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "patch.yaml:7 host-network base",
            "patch.yaml:8 secret-in-env-literal base"
        ],
        "{v}"
    );
    // An overlay including the base gives its own namespace to everything below.
    write(
        d,
        "prod/kustomization.yaml",
        b"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: prod\nresources: [../base, extra.yaml]\n",
    );
    write(
        d,
        "prod/extra.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: extra, labels: {app: b}}\nspec:\n  containers: [{name: c, image: \"x:1\"}]\n",
    );
    let (_, v) = json(onus().args([
        "check",
        "--select",
        "missing-network-policy",
        d.to_str().unwrap(),
    ]));
    assert_eq!(
        v["findings"].as_array().unwrap().len(),
        0,
        "all in prod, under the deny-all: {v}"
    );
    // A kustomization without apiVersion and kind (kustomize accepts it): its patch is a
    // fragment too, and its namespace applies.
    write(
        d,
        "legacy/kustomization.yaml",
        b"namespace: legacy\nresources: [app.yaml, deny.yaml]\npatches:\n  - path: patch.yaml\n",
    );
    write(
        d,
        "legacy/app.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: app, labels: {app: l}}\nspec:\n  containers: [{name: c, image: \"x:1\"}]\n",
    );
    write(
        d,
        "legacy/deny.yaml",
        b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n",
    );
    write(
        d,
        "legacy/patch.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\nspec:\n  template:\n    spec:\n      hostNetwork: true\n",
    );
    let (_, v) = json(onus().args([
        "check",
        "--select",
        "missing-network-policy,host-network",
        &d.join("legacy").to_string_lossy(),
    ]));
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["summary"]["resources"], 2, "{v}");
    // What onus does not fetch or run is said, never dropped.
    write(
        d,
        "remote/kustomization.yaml",
        b"resources:\n  - https://github.com/example/app//deploy?ref=v1\n  - local.yaml\nhelmCharts:\n  - {name: redis, repo: https://charts.example.com}\n",
    );
    write(
        d,
        "remote/local.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    let (_, v) = json(onus().args(["check", &d.join("remote").to_string_lossy()]));
    let reasons: Vec<String> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{} {}",
                s["file"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or(""),
                s["line"],
                s["reason"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        reasons.iter().any(|r| r.starts_with(
            "kustomization.yaml:2 a remote resource `https://github.com/example/app//deploy?ref=v1`"
        )),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("kustomization.yaml:4 a Helm chart generator (`helmCharts`)")),
        "{reasons:?}"
    );
}

#[test]
fn bad_encodings_spoil_only_their_document() {
    let mut text = HOSTNET.as_bytes().to_vec();
    text.extend_from_slice(
        b"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n---\n",
    );
    text.extend_from_slice(HOSTNET.replace("name: p", "name: q").as_bytes());
    let (_, v) = json(
        onus()
            .args(["check", "--select", "invalid-yaml,host-network", "-"])
            .write_stdin(text),
    );
    let got = rule_lines(&v);
    let want = [
        ("host-network", 5),
        ("invalid-yaml", 10),
        ("host-network", 16),
    ];
    assert_eq!(got, want.map(|(r, l)| (r.to_string(), l)));
    assert_eq!(v["summary"]["resources"], 2);
    // UTF-16 with a byte-order mark is decoded, as kubectl does, and linted.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(HOSTNET.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let (code, v) = json(
        onus()
            .args(["check", "--select", "host-network", "-"])
            .write_stdin(utf16),
    );
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["line"], 5);
}

#[test]
fn excludes_match_below_the_walked_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "repo/apps/pod.yaml", HOSTNET.as_bytes());
    write(d, "repo/charts/pod.yaml", HOSTNET.as_bytes());
    let (_, v) = json(onus().current_dir(d).args([
        "check",
        "--select",
        "host-network",
        "repo",
        "--exclude",
        "charts",
    ]));
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["repo/apps/pod.yaml"]);
}

#[test]
fn helm_templates_are_skipped_when_walking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "chart/Chart.yaml",
        b"apiVersion: v2\nname: shop\nversion: 1.0.0\n",
    );
    write(d, "chart/values.yaml", b"replicaCount: 1\n");
    write(
        d,
        "chart/templates/deployment.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n  labels: {}\n{{- end }}\n",
    );
    let (code, v) = json(onus().current_dir(d).args(["check", "."]));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["files"], 2);
    assert_eq!(
        v["summary"]["skipped_documents"], 3,
        "Chart.yaml, values.yaml, one template"
    );
    // Named explicitly, a template is read (and fails to parse, as it should).
    let (code, _) = json(
        onus()
            .current_dir(d)
            .args(["check", "chart/templates/deployment.yaml"]),
    );
    assert_eq!(code, 1);
}

#[test]
fn suppressions_silence_what_they_name_and_nothing_else() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: agent\n  annotations:\n    onus.dev/ignore: \"host-network -- CNI agent\"\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: x:1\n    ports:\n    # onus: ignore host-port -- scraped per node\n    - {containerPort: 1, hostPort: 1}\n    - {containerPort: 2, hostPort: 2}\n";
    let (_, v) = json(
        onus()
            .args([
                "check",
                "--select",
                "host-network,host-port,suppression-without-reason",
                "-",
            ])
            .write_stdin(text),
    );
    let got = rule_lines(&v);
    assert_eq!(
        got,
        [("host-port".to_string(), 15)],
        "only the unsuppressed port"
    );
}

/// HOSTNET with its hostNetwork suppressed by a comment.
fn hostnet_suppressed() -> String {
    HOSTNET.replace(
        "  hostNetwork: true\n",
        "  hostNetwork: true # onus: ignore host-network -- CNI agent\n",
    )
}

#[test]
fn suppressed_findings_are_marked_shown_on_request_and_never_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = hostnet_suppressed();
    let bad = write(dir.path(), "bad.yaml", text.as_bytes());
    let (code, v) = json(onus().args(["check", "--select", "host-network", &bad]));
    assert_eq!(code, 0, "a suppressed error does not fail the run");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["suppressed"], 1);
    let s = &v["suppressed"][0];
    assert_eq!(s["rule"], "host-network");
    assert_eq!(s["suppressed"]["kind"], "comment");
    assert_eq!(s["suppressed"]["reason"], "CNI agent");
    // Hidden from the human report unless asked for.
    let r = run(onus().args(["check", "--no-color", "--select", "host-network", &bad]));
    assert!(!r.stdout.contains("error[host-network]"), "{}", r.stdout);
    assert!(r.stdout.contains("1 suppressed"), "{}", r.stdout);
    let r = run(onus().args([
        "check",
        "--no-color",
        "--show-suppressed",
        "--select",
        "host-network",
        &bad,
    ]));
    assert!(r.stdout.contains("error[host-network]"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("suppressed by an `onus: ignore` comment: CNI agent"),
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 0);
}

#[test]
fn a_suppression_of_a_rule_this_run_does_not_evaluate_is_not_unused() {
    let dir = tempfile::tempdir().unwrap();
    let text = hostnet_suppressed();
    let f = write(dir.path(), "p.yaml", text.as_bytes());
    // host-network does not run: its suppression is not judged; a typo still is.
    let (_, v) = json(onus().args(["check", "--select", "unused-suppression", &f]));
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
    let typo = text.replace("ignore host-network", "ignore host-netwrok");
    let f = write(dir.path(), "typo.yaml", typo.as_bytes());
    let (_, v) = json(onus().args(["check", "--select", "unused-suppression", &f]));
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("did you mean `host-network`"), "{msg}");
}

#[cfg(unix)]
#[test]
fn symlinked_files_and_directories_are_followed_without_looping() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    write(&real, "pod.yaml", HOSTNET.as_bytes());
    let walked = dir.path().join("walked");
    fs::create_dir(&walked).unwrap();
    std::os::unix::fs::symlink("../real/pod.yaml", walked.join("link.yaml")).unwrap();
    std::os::unix::fs::symlink("../real", walked.join("linkdir")).unwrap();
    std::os::unix::fs::symlink("..", walked.join("loop")).unwrap();
    let (code, v) = json(
        onus()
            .args(["check", "--select", "host-network"])
            .arg(&walked),
    );
    assert_eq!(code, 1, "{v}");
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("walked/link.yaml")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("walked/linkdir/pod.yaml")),
        "{files:?}"
    );
    let skipped = v["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["file"].as_str().unwrap().ends_with("walked/loop")),
        "{skipped:?}"
    );
}

#[test]
fn nothing_to_lint_is_said_and_a_glob_matching_nothing_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("empty")).unwrap();
    let r = run(onus().current_dir(dir.path()).args(["check", "empty"]));
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("no manifests found under empty"),
        "{}",
        r.stderr
    );
    let r = run(onus()
        .current_dir(dir.path())
        .args(["check", "nothing/*.yaml"]));
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("nothing/*.yaml: the pattern matches no file")
    );
}

#[test]
fn a_binary_file_and_a_helm_template_named_directly_are_one_finding_each() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write(
        dir.path(),
        "blob.yaml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00garbage: [\xff\xfe\n",
    );
    let chart = dir.path().join("chart");
    write(
        &chart,
        "Chart.yaml",
        b"apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    let tpl = write(
        &chart,
        "templates/deploy.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"c.labels\" . | nindent 4 }}\n",
    );
    let (_, v) = json(onus().args(["check", &bin, &tpl]));
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    assert!(f[0]["message"].as_str().unwrap().contains("binary"));
    assert!(f[0]["help"].as_str().unwrap().contains("exclude"));
    assert!(
        f[1]["message"]
            .as_str()
            .unwrap()
            .contains("Helm chart template")
    );
    assert!(f[1]["help"].as_str().unwrap().contains("helm template"));
}

#[test]
fn colour_follows_the_flags_and_the_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", HOSTNET.as_bytes());
    let coloured = |envs: &[(&str, &str)], flags: &[&str]| {
        let mut c = onus();
        c.env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in envs {
            c.env(k, v);
        }
        run(c
            .args(["check", "--select", "host-network", &bad])
            .args(flags))
        .stdout
        .contains("\x1b[")
    };
    assert!(!coloured(&[], &[]), "piped: plain");
    assert!(coloured(&[("FORCE_COLOR", "1")], &[]));
    assert!(coloured(&[("CLICOLOR_FORCE", "1")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "0")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &[]));
    assert!(coloured(&[("NO_COLOR", "1")], &["--color", "always"]));
    assert!(!coloured(&[("FORCE_COLOR", "1")], &["--color", "never"]));
    assert!(!coloured(&[("FORCE_COLOR", "1")], &["--no-color"]));
}

#[test]
fn human_findings_start_with_severity_rule_and_message_and_name_both_parties() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", HOSTNET.as_bytes());
    let r = run(onus().args([
        "check",
        "--no-color",
        "--statistics",
        "--select",
        "host-network",
        &bad,
    ]));
    assert!(
        r.stdout.starts_with(
            "error[host-network]: Pod default/p shares the node's network namespace\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("· Customer: RA · OVHcloud: —"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("findings by rule:\n     1  host-network (error)"),
        "{}",
        r.stdout
    );
}

#[test]
fn kube_version_sets_the_target_of_deprecated_api_version() {
    let dir = tempfile::tempdir().unwrap();
    let pdb = write(
        dir.path(),
        "pdb.yaml",
        b"apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n",
    );
    let sev = |flags: &[&str]| {
        let (_, v) = json(
            onus()
                .args(["check", "--select", "deprecated-api-version", &pdb])
                .args(flags),
        );
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        sev(&[]),
        ["error"],
        "removed in 1.25, the default target is newer"
    );
    assert_eq!(
        sev(&["--kube-version", "1.24"]),
        ["warning"],
        "deprecated in 1.21"
    );
    assert_eq!(sev(&["--kube-version", "v1.20.4"]), Vec::<String>::new());
    fs::write(dir.path().join(".onus.yaml"), "kube-version: \"1.23\"\n").unwrap();
    let (_, v) = json(onus().current_dir(dir.path()).args([
        "check",
        "--select",
        "deprecated-api-version",
        "pdb.yaml",
    ]));
    assert_eq!(v["findings"][0]["severity"], "warning", "{v}");
    let r = run(onus().args(["check", "--kube-version", "latest", &pdb]));
    assert_eq!(r.code, 2);
}

#[test]
fn markdown_report_lists_every_checked_duty_with_both_parties_rules_and_counts() {
    let r = run(onus().args(["check", "examples", "--format", "markdown"]));
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("## onus: "), "{}", r.stdout);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("`cluster-admin-binding`"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        row.contains("| RA | I |") && row.ends_with("| **1** |"),
        "{row}"
    );
    // A duty with rules and no finding is listed too, with 0.
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("`rollout-disabled`") && l.ends_with("| 0 |"))
    );
}
