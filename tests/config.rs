//! `.onus.yaml`: found upwards from the current directory or named by --config; select and
//! ignore by specificity, severities (off too), params checked by the rule's check,
//! per-path ignores, default namespace, context; every mistake is a located diagnostic and
//! exit 2; flags override the file; `onus init` writes a starter the JSON Schema accepts.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, labels: {app: agent}}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: \"agent:1.0\", ports: [{containerPort: 80, hostPort: 80}]}]\n  volumes: [{name: logs, hostPath: {path: /var/log}}]\n";

fn onus(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onus"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend(args);
    let out = onus(dir, &all);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap_or(-1), v)
}

fn rules(v: &Value) -> Vec<String> {
    let mut r: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    r.sort();
    r.dedup();
    r
}

fn setup(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    std::fs::write(dir.path().join(".onus.yaml"), config).unwrap();
    dir
}

#[test]
fn the_most_specific_entry_wins_and_severities_apply() {
    let dir = setup(
        "select: [3.1.5, 1.1]\nignore: [3.1.5/secure-flows]\nseverity:\n  host-path-volume: warning\n  host-network: off\n  host-port: info\n",
    );
    // host-port (3.1.5/secure-flows) is ignored by its responsibility; the `host-port` id
    // on the command line is more specific still.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let (_, v) = json(&sub, &["../pod.yaml"]);
    assert_eq!(rules(&v), ["host-path-volume:warning"]);
    let (_, v) = json(
        &sub,
        &["../pod.yaml", "--select", "host-port, host-network,"],
    );
    assert_eq!(
        rules(&v),
        ["host-port:info"],
        "off stays off; flags replace the file's select"
    );
}

#[test]
fn mistakes_are_located_diagnostics_and_exit_2() {
    for (config, wants) in [
        (
            "selct: [all]\n",
            vec!["unknown key `selct`", "did you mean `select`", "1 │ selct"],
        ),
        (
            "severity:\n  host-netwrok: off\n",
            vec![
                "`host-netwrok` is no rule",
                "did you mean `host-network`",
                "2 │   host-netwrok",
            ],
        ),
        (
            "severity:\n  host-port: loud\n",
            vec!["`loud` is no severity", "error, warning, info or off"],
        ),
        (
            "ignore: [9.9]\n",
            vec!["`9.9` names no rule, responsibility or section"],
        ),
        (
            "params:\n  node-local-storage-class: {clases: [x]}\n",
            vec!["param `clases` is unknown (did you mean", "2 │"],
        ),
        (
            "default-namespace: Not_A_Label\n",
            vec!["must be a namespace name"],
        ),
        ("exclude: [\"a[\"]\n", vec!["not a glob"]),
    ] {
        let dir = setup(config);
        let out = onus(dir.path(), &["check", "pod.yaml"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{config}: {err}");
        for want in wants {
            assert!(err.contains(want), "{config}: `{want}` not in:\n{err}");
        }
        assert!(err.contains(".onus.yaml"), "{err}");
    }
}

#[test]
fn params_per_path_ignores_default_namespace_and_explicit_config() {
    let dir = setup(
        "params:\n  node-local-storage-class:\n    extra_classes: [fast-node-disk]\nper-path-ignores:\n  \"legacy/**\": [host-network, 1.1]\ndefault-namespace: ops\n",
    );
    std::fs::create_dir(dir.path().join("legacy")).unwrap();
    std::fs::write(dir.path().join("legacy/pod.yaml"), POD).unwrap();
    std::fs::write(
        dir.path().join("pvc.yaml"),
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nspec: {storageClassName: fast-node-disk, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
    )
    .unwrap();
    let (_, v) = json(dir.path(), &["pvc.yaml", "legacy", "pod.yaml"]);
    let found = |file: &str, rule: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with(file) && f["rule"] == rule)
    };
    assert!(
        found("pvc.yaml", "node-local-storage-class"),
        "configured class: {v}"
    );
    assert!(found("pod.yaml", "host-network"));
    assert!(!found("legacy/pod.yaml", "host-network"));
    assert!(!found("legacy/pod.yaml", "host-path-volume"));
    let sup = v["suppressed"].as_array().unwrap();
    assert!(sup.iter().any(|f| {
        f["suppressed"]["kind"] == "config"
            && f["suppressed"]["reason"]
                .as_str()
                .unwrap()
                .contains("legacy/**")
    }));
    let ns = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "host-network")
        .unwrap();
    assert_eq!(ns["resource"]["namespace"], "ops");
    // --config names another file; the flag beats the file's namespace.
    std::fs::write(
        dir.path().join("other.yaml"),
        "ignore: [all]\nselect: [host-port]\n",
    )
    .unwrap();
    let (_, v) = json(
        dir.path(),
        &[
            "pod.yaml",
            "--config",
            "other.yaml",
            "--default-namespace",
            "web",
        ],
    );
    assert_eq!(rules(&v), ["host-port:warning"]);
    assert_eq!(v["findings"][0]["resource"]["namespace"], "web");
}

#[test]
fn context_files_inform_cross_object_rules_without_being_reported() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec:\n  containers: [{name: c, image: \"web:1.0\"}]\n";
    let policies = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: shop}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: \"x:1.0\"}]\n";
    std::fs::write(dir.path().join("web.yaml"), deploy).unwrap();
    std::fs::write(dir.path().join("policies.yaml"), policies).unwrap();
    let net = "--select=2.3,3.1.5";
    let (code, v) = json(dir.path(), &["web.yaml", net]);
    assert_eq!(code, 1);
    assert!(
        rules(&v)
            .iter()
            .any(|r| r.starts_with("missing-network-policy"))
    );
    let (code, v) = json(dir.path(), &["web.yaml", net, "--context", "."]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        rules(&v),
        Vec::<String>::new(),
        "the context's hostNetwork pod is not reported"
    );
    assert_eq!(v["summary"]["files"], 1);
    // Nor when the context file is linted an object at a time (as a file of many objects is).
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "json",
            "web.yaml",
            net,
            "--context",
            ".",
        ])
        .env("ONUS_PARTS", "1,0")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(rules(&v), Vec::<String>::new(), "linted in parts");
}

#[test]
fn init_writes_a_starter_that_loads_and_matches_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    let out = onus(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0));
    let out = onus(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2), "no overwrite without --force");
    let (code, _) = json(dir.path(), &["pod.yaml"]);
    assert_eq!(code, 1, "the starter loads");
    let starter = dir.path().join(".onus.yaml");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/onus.schema.json");
    let has = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        assert!(
            std::env::var_os("ONUS_REQUIRE_VALIDATORS").is_none(),
            "check-jsonschema is missing"
        );
        eprintln!("SKIPPED: check-jsonschema (pip install check-jsonschema) is missing");
        return;
    }
    let validate = |file: &Path| {
        Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(&schema)
            .arg(file)
            .output()
            .unwrap()
    };
    let ok = validate(&starter);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let broken = dir.path().join("broken.onus.yaml");
    std::fs::write(&broken, "selct: [all]\nseverity: {host-port: loud}\n").unwrap();
    assert!(
        !validate(&broken).status.success(),
        "the schema rejects a broken file"
    );
}

#[test]
fn a_path_given_twice_is_linted_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("m")).unwrap();
    std::fs::write(dir.path().join("m/pod.yaml"), POD).unwrap();
    let (_, once) = json(dir.path(), &["m"]);
    let (_, twice) = json(dir.path(), &["m", "./m/", "m/pod.yaml"]);
    assert_eq!(once["findings"], twice["findings"]);
    assert_eq!(twice["summary"]["files"], 1);
}
