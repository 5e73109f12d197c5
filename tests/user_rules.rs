//! A team's own rules: loaded with `--rules` or `rules:` in `.onus.yaml` through the built-in
//! loader, duties of their own, `onus test-rules`, and every mistake located.

mod common;

use assert_cmd::Command;
use common::run;
use serde_json::Value;
use std::fs;
use std::path::Path;

fn onus(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("onus").unwrap();
    c.current_dir(dir);
    c
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the example rule pack in a scratch directory, to change at will.
fn pack() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("examples/policies"),
        &t.path().join("policies"),
    );
    t
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn the_example_pack_passes_its_own_tests() {
    let r = run(onus(root()).args(["test-rules", "examples/policies"]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("PASS approved-registry"), "{}", r.stdout);
    assert!(r.stdout.contains("PASS owner-label"), "{}", r.stdout);
    assert!(
        r.stdout.ends_with("3 rules: 3 passed, 0 failed\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_fixture_that_disagrees_fails_with_the_lines_that_differ() {
    let t = pack();
    let bad = t.path().join("policies/owner-label/bad/unowned.yaml");
    let text = fs::read_to_string(&bad).unwrap();
    // Move the first marker one line down: one line expected and not reported, one reported
    // and not expected.
    let text = text.replacen(
        "  name: web # expect: owner-label\n  namespace: shop",
        "  name: web\n  namespace: shop # expect: owner-label",
        1,
    );
    fs::write(&bad, text).unwrap();
    fs::write(
        t.path().join("policies/approved-registry/good/extra.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx:1.27.2}]\n",
    )
    .unwrap();
    let r = run(onus(t.path()).args(["test-rules", "policies"]));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("FAIL owner-label"), "{}", r.stdout);
    assert!(
        r.stdout.contains("policies/owner-label/bad/unowned.yaml:4: not expected, reported: Deployment shop/web carries no label `example.com/team`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("policies/owner-label/bad/unowned.yaml:5: expected a finding, none reported"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("FAIL approved-registry"), "{}", r.stdout);
    assert!(
        r.stdout.contains("policies/approved-registry/good/extra.yaml:5: not expected, reported: Pod default/p runs `nginx:1.27.2`"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.ends_with("3 rules: 1 passed, 2 failed\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn fixtures_of_no_rule_and_markers_in_good_fixtures_fail() {
    let t = pack();
    let p = t.path().join("policies");
    fs::rename(p.join("owner-label"), p.join("owner-labels")).unwrap();
    fs::write(
        p.join("approved-registry/good/marked.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c} # expect: approved-registry\n",
    )
    .unwrap();
    let r = run(onus(t.path()).args(["test-rules", "policies"]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("FAIL policies/owner-labels: fixtures of no rule (no rule file has `id: owner-labels`; did you mean `owner-label`?)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("policies/approved-registry/good/marked.yaml: a good fixture has `# expect:` markers: move it to bad/"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_rule_without_a_bad_fixture_fails() {
    let t = pack();
    fs::remove_dir_all(t.path().join("policies/owner-label/bad")).unwrap();
    let r = run(onus(t.path()).args(["test-rules", "policies"]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("FAIL owner-label\n  no bad fixture"),
        "{}",
        r.stdout
    );
}

#[test]
fn user_rules_run_in_check_with_their_duties_and_are_listed() {
    let r = run(onus(root()).args([
        "check",
        "examples/shop",
        "--rules",
        "examples/policies",
        "--format",
        "json",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let reg: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "approved-registry")
        .collect();
    assert_eq!(reg.len(), 3, "{reg:?}");
    let f = reg[0];
    assert_eq!(f["file"], "examples/shop/node-exporter.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(27), Some(11))
    );
    assert_eq!(f["responsibility"]["id"], "9.1/approved-registries");
    assert_eq!(
        f["path"],
        "spec.template.spec.containers[name=node-exporter].image"
    );

    let r = run(onus(root()).args(["rules", "--rules", "examples/policies"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("owner-label"), "{}", r.stdout);
    let r = run(onus(root()).args(["explain", "owner-label", "--rules", "examples/policies"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Label every workload with the team that answers for"),
        "{}",
        r.stdout
    );
    let r = run(onus(root()).args([
        "responsibilities",
        "--format",
        "json",
        "--rules",
        "examples/policies",
    ]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let own = v
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "9.1/ownership")
        .expect("the team's duty is listed");
    assert_eq!(own["rules"], serde_json::json!(["owner-label"]));
    assert_eq!(own["section"], "9.1 Supply chain and ownership");

    // SARIF describes the team's rules like onus's own.
    let r = run(onus(root()).args([
        "check",
        "examples/shop",
        "--rules",
        "examples/policies",
        "--format",
        "sarif",
    ]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let own = rules
        .iter()
        .find(|d| d["id"] == "approved-registry")
        .unwrap();
    assert!(
        own.get("helpUri").is_none(),
        "a team's rule has no page in onus's docs"
    );
    assert_eq!(
        own["shortDescription"]["text"],
        "A container image comes from a registry we have not approved"
    );
}

#[test]
fn the_configuration_names_rule_directories_relative_to_itself() {
    let t = pack();
    fs::create_dir_all(t.path().join("deploy")).unwrap();
    fs::write(
        t.path().join("deploy/app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: a, image: registry.example.com/a:1.0}]}\n",
    )
    .unwrap();
    fs::write(
        t.path().join(".onus.yaml"),
        "rules: [policies]\nselect: [owner-label]\n",
    )
    .unwrap();
    // From a subdirectory: the configuration is found upwards, its rules beside it.
    let r = run(onus(&t.path().join("deploy")).args(["check", "app.yaml", "--format", "concise"]));
    assert_eq!(r.code, 0, "warnings only: {}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.trim(),
        "app.yaml:3:18: warning[owner-label] Deployment default/app carries no label `example.com/team`"
    );
    // A walk of the whole repository does not lint the pack's fixtures.
    let r = run(onus(t.path()).args(["check", ".", "--format", "json"]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(files.iter().all(|f| f.starts_with("deploy/")), "{files:?}");
}

#[test]
fn mistakes_are_located_and_exit_2() {
    let t = pack();
    let p = t.path().join("policies");
    let hostnet = "  path: $pod.hostNetwork\n";
    // The same id as a built-in rule.
    refused(
        t.path(),
        &["policies"],
        &p.join("host-network.yaml"),
        &rule_text("host-network", "9.1/ownership", "forbidden-field", hostnet),
        "policies/host-network.yaml:1:1: rule id `host-network` is already defined by rules/host-network.yaml",
    );
    fs::remove_file(p.join("host-network.yaml")).unwrap();
    // Two packs with one id.
    fs::create_dir_all(t.path().join("other")).unwrap();
    refused(
        t.path(),
        &["policies", "other"],
        &t.path().join("other/owner-label.yaml"),
        &fs::read_to_string(p.join("owner-label.yaml")).unwrap(),
        "other/owner-label.yaml:1:1: rule id `owner-label` is already defined by policies/owner-label.yaml",
    );
    // An id that is not the file's name, or not an id.
    let mine = p.join("mine.yaml");
    refused(
        t.path(),
        &["policies"],
        &mine,
        &rule_text("Team_Label", "9.1/ownership", "forbidden-field", hostnet),
        "rule id `Team_Label`: lower-case letters",
    );
    refused(
        t.path(),
        &["policies"],
        &mine,
        &rule_text("yours", "9.1/ownership", "forbidden-field", hostnet),
        "policies/mine.yaml:1:1: rule id `yours` in a file named `mine`: name the file `yours.yaml`",
    );
    // A responsibility nobody declares; a path that does not parse; a bad regex.
    refused(
        t.path(),
        &["policies"],
        &mine,
        &rule_text("mine", "9.9/nothing", "forbidden-field", hostnet),
        "policies/mine.yaml:3:1: no responsibility `9.9/nothing` in the model",
    );
    refused(
        t.path(),
        &["policies"],
        &mine,
        &rule_text(
            "mine",
            "9.1/ownership",
            "value-matches",
            "  path: $pod.containers[*.image\n  pattern: x\n",
        ),
        "policies/mine.yaml:9:3: params of check `value-matches`: param `path`",
    );
    refused(
        t.path(),
        &["policies"],
        &mine,
        &rule_text(
            "mine",
            "9.1/ownership",
            "value-matches",
            "  path: $containers.image\n  pattern: \"(\"\n",
        ),
        "policies/mine.yaml:10:3: params of check `value-matches`: param `pattern` is not a regular expression",
    );
    // A directory that does not exist.
    let r = run(onus(t.path()).args(["rules", "--rules", "nowhere"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("rules directory nowhere:"),
        "{}",
        r.stderr
    );
}

/// A rule file of `id`, citing `responsibility`, with `check` and the lines after `params:`.
fn rule_text(id: &str, responsibility: &str, check: &str, params: &str) -> String {
    format!(
        "id: {id}\nseverity: error\nresponsibility: {responsibility}\nsummary: s\nrationale: r\nremediation: m\ncheck: {check}\nparams:\n{params}"
    )
}

fn cel_rule(params: &str) -> String {
    rule_text("mine", "9.1/ownership", "cel", params)
}

/// Write `text` to `file`, run `onus rules --rules DIRS...` in `dir`: exit 2, saying `want`.
fn refused(dir: &Path, dirs: &[&str], file: &Path, text: &str, want: &str) {
    fs::write(file, text).unwrap();
    let mut args = vec!["rules"];
    for d in dirs {
        args.extend(["--rules", d]);
    }
    let r = run(onus(dir).args(&args));
    assert_eq!(r.code, 2, "{text}");
    assert!(r.stderr.contains(want), "{text}\n{}", r.stderr);
}

#[test]
fn cel_mistakes_point_into_the_expression() {
    let t = pack();
    let mine = t.path().join("policies/mine.yaml");
    // A syntax error on the second line of a block expression: that line and column.
    refused(
        t.path(),
        &["policies"],
        &mine,
        &cel_rule(
            "  expression: |\n    object.spec.replicas > 1 &&\n      object.spec.paused == \n",
        ),
        "policies/mine.yaml:11:29: params of check `cel`: param `expression` at 3:1: Syntax error",
    );
    // A name that is not a variable, in a plain one-line expression.
    refused(
        t.path(),
        &["policies"],
        &mine,
        &cel_rule("  expression: object.x == 1 || objekt.y == 2\n"),
        "policies/mine.yaml:9:32: params of check `cel`: param `expression` at 1:18: undeclared reference `objekt`",
    );
    // `objects` without `reads`.
    refused(
        t.path(),
        &["policies"],
        &mine,
        &cel_rule("  expression: objects.size() > 0\n"),
        "param `reads` must name the kinds",
    );
}

#[test]
fn cel_failures_at_run_time_are_findings_and_cost_is_bounded() {
    let t = pack();
    let p = t.path().join("policies");
    fs::write(
        p.join("mine.yaml"),
        cel_rule("  expression: object.spec.strategy.type == 'Recreate'\n  at: spec\nscope: [Deployment]\n"),
    )
    .unwrap();
    fs::write(
        p.join("deep.yaml"),
        "id: deep\nseverity: error\nresponsibility: 9.1/ownership\nsummary: s\nrationale: r\nremediation: m\ncheck: cel\nparams:\n  reads: [ConfigMap]\n  expression: objects.all(a, objects.all(b, objects.all(c, a == b || b == c)))\nscope: [Deployment]\n",
    )
    .unwrap();
    let mut manifests = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 2\n",
    );
    for i in 0..300 {
        manifests.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"
        ));
    }
    fs::write(t.path().join("app.yaml"), manifests).unwrap();
    let r = run(onus(t.path()).args([
        "check",
        "app.yaml",
        "--rules",
        "policies",
        "--select",
        "mine,deep",
        "--format",
        "concise",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("app.yaml:4:1: error[mine] the expression could not be evaluated on Deployment default/app: "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("app.yaml:3:18: error[deep] the expression could take up to"),
        "{}",
        r.stdout
    );
}

#[test]
fn what_a_new_user_got_wrong_is_said_precisely() {
    let t = pack();
    let p = t.path().join("policies");
    let mine = p.join("mine.yaml");
    let check = |text: &str, want: &str| refused(t.path(), &["policies"], &mine, text, want);
    // An unknown method, with the nearest known one.
    check(
        &cel_rule("  expression: object.metadata.name.contans('x')\n"),
        "policies/mine.yaml:9:36: params of check `cel`: param `expression` at 1:22: unknown function `contans` (did you mean `contains`?)",
    );
    // A misspelt param, at its own line.
    check(
        "id: mine\nseverity: error\nresponsibility: 9.1/ownership\nsummary: s\nrationale: r\nremediation: m\ncheck: value-matches\nparams:\n  path: $containers.image\n  patern: x\n",
        "policies/mine.yaml:10:3: params of check `value-matches`: param `patern` is unknown (did you mean `pattern`?",
    );
    // A scope that names no kind.
    check(
        "id: mine\nseverity: error\nresponsibility: 9.1/ownership\nsummary: s\nrationale: r\nremediation: m\ncheck: forbidden-field\nparams: {path: $pod.hostNetwork}\nscope: [Deployment, apps/v1/StatefulSet]\n",
        "policies/mine.yaml:9:21: `apps/v1/StatefulSet` is not a kind",
    );
    // A responsibility close to one that exists.
    check(
        "id: mine\nseverity: error\nresponsibility: 9.1/ownershp\nsummary: s\nrationale: r\nremediation: m\ncheck: forbidden-field\nparams: {path: $pod.hostNetwork}\n",
        "did you mean `9.1/ownership`?",
    );
    // A manifest in the rules directory.
    check(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        "policies/mine.yaml: a Kubernetes manifest, not a rule file",
    );
    fs::remove_file(p.join("mine.yaml")).unwrap();
    // Roles that are not RACI letters.
    let duties = fs::read_to_string(p.join("responsibilities.yaml")).unwrap();
    fs::write(
        p.join("responsibilities.yaml"),
        duties.replacen("customer: RA", "customer: XY", 1),
    )
    .unwrap();
    let r = run(onus(t.path()).args(["rules", "--rules", "policies"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`customer: XY` is not RACI letters"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_rule_that_cannot_judge_its_fixture_fails_its_test() {
    let t = pack();
    let p = t.path().join("policies");
    // Reads a field the bad fixture's Deployment lacks: the run-time error lands on the
    // object's name, where the marker is, and still fails.
    fs::write(
        p.join("owner-label.yaml"),
        cel_rule("  expression: object.spec.strategy.type == 'Recreate'\nscope: [Deployment]\n")
            .replace("id: mine", "id: owner-label"),
    )
    .unwrap();
    let r = run(onus(t.path()).args(["test-rules", "policies"]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("line 4: the rule could not judge it: the expression could not be evaluated on Deployment shop/web"),
        "{}",
        r.stdout
    );
}
