//! Every machine format, checked by a real parser or schema: SARIF against the official
//! 2.1.0 schema (Python `jsonschema`), JUnit with `junitparser`, GitHub workflow commands and
//! concise lines by their grammar. Several `--format`/`--output` pairs in one run.
//! Without `../shared` or the Python validators the schema checks are skipped, and say so;
//! with ONUS_REQUIRE_VALIDATORS=1 (as `.ci/run` sets it) a missing validator fails.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Skip (visibly), or fail when validators are required.
fn skip(why: &str) {
    assert!(
        std::env::var_os("ONUS_REQUIRE_VALIDATORS").is_none(),
        "required validator missing: {why}"
    );
    eprintln!("SKIPPED: {why}");
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .status()
        .is_ok_and(|s| s.success())
}

struct Outputs {
    sarif: Value,
    sarif_path: PathBuf,
    junit_path: PathBuf,
    github: String,
    concise: String,
    json: Value,
    _dir: tempfile::TempDir,
}

/// One run of onus on the examples plus a file with awkward characters, five reports.
fn outputs() -> Outputs {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd, 50% name.yaml");
    std::fs::write(
        &odd,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: odd}\nspec:\n  hostNetwork: true # onus: ignore host-network -- CNI agent\n  containers: [{name: c, image: \"x:1.0\"}]\n  volumes: [{name: d, hostPath: {path: /srv}}]\n",
    )
    .unwrap();
    let p = |name: &str| dir.path().join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .current_dir(root())
        .arg("check")
        .arg("examples")
        .arg(&odd)
        .args(["--format", "sarif", "--output"])
        .arg(p("report.sarif"))
        .args(["--format", "junit", "--output"])
        .arg(p("report.xml"))
        .args(["--format", "github", "--output"])
        .arg(p("github.txt"))
        .args(["--format", "json", "--output"])
        .arg(p("report.json"))
        .args(["--format", "concise", "--output", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(p(name)).unwrap();
    Outputs {
        sarif: serde_json::from_str(&read("report.sarif")).unwrap(),
        sarif_path: p("report.sarif"),
        junit_path: p("report.xml"),
        github: read("github.txt"),
        concise: String::from_utf8(out.stdout).unwrap(),
        json: serde_json::from_str(&read("report.json")).unwrap(),
        _dir: dir,
    }
}

#[test]
fn sarif_is_valid_and_complete() {
    let o = outputs();
    let run = &o.sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    let findings = o.json["findings"].as_array().unwrap().len();
    let suppressed = o.json["suppressed"].as_array().unwrap().len();
    assert_eq!(results.len(), findings + suppressed);
    assert_eq!(suppressed, 1);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert_eq!(
            r["partialFingerprints"]["onus/v1"].as_str().unwrap().len(),
            16
        );
    }
    let sup = results
        .iter()
        .find(|r| r["suppressions"].is_array())
        .unwrap();
    assert_eq!(sup["suppressions"][0]["kind"], "inSource");
    assert_eq!(sup["suppressions"][0]["justification"], "CNI agent");
    let uri = sup["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("odd%2C%2050%25%20name.yaml"), "{uri}");
    assert!(
        rules
            .iter()
            .all(|r| r["properties"]["responsibility"].is_string()
                && r["help"]["text"].is_string()
                && r["fullDescription"]["text"].is_string())
    );
}

#[test]
#[cfg_attr(not(onus_shared), ignore = "../shared is absent")]
fn sarif_validates_against_the_official_schema() {
    let o = outputs();
    let schema = root().join("../shared/schemas/sarif-schema-2.1.0.json");
    assert!(schema.exists(), "{} is absent", schema.display());
    if !python_has("jsonschema") {
        return skip("python3 with jsonschema (pip install jsonschema) is missing");
    }
    let check = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             doc = json.load(open(sys.argv[2]))\n\
             v = jsonschema.validators.validator_for(schema)(schema)\n\
             errors = sorted(v.iter_errors(doc), key=str)\n\
             for e in errors[:10]: print(list(e.absolute_path), e.message)\n\
             sys.exit(1 if errors else 0)",
        ])
        .arg(&schema)
        .arg(&o.sarif_path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "SARIF does not validate:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn junit_parses_with_one_failing_case_per_file_and_rule() {
    let o = outputs();
    // (file, rule) pairs with an unsuppressed finding, from the concise lines.
    let mut pairs: Vec<(String, String)> = o
        .concise
        .lines()
        .map(|l| {
            let (loc, rest) = l.split_once(": ").unwrap();
            let file = loc.rsplitn(3, ':').nth(2).unwrap().to_string();
            let rule = rest.split_once('[').unwrap().1.split_once(']').unwrap().0;
            (file, rule.to_string())
        })
        .collect();
    pairs.sort();
    pairs.dedup();
    if !python_has("junitparser") {
        return skip("python3 with junitparser (pip install junitparser) is missing");
    }
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys\n\
             from junitparser import JUnitXml, Failure\n\
             xml = JUnitXml.fromfile(sys.argv[1])\n\
             for suite in xml:\n\
             \x20   for case in suite:\n\
             \x20       if any(isinstance(r, Failure) for r in case.result):\n\
             \x20           print(suite.name + '\\t' + case.name)",
        ])
        .arg(&o.junit_path)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let mut failing: Vec<(String, String)> = String::from_utf8(parsed.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (f, r) = l.split_once('\t').unwrap();
            (f.to_string(), r.to_string())
        })
        .collect();
    failing.sort();
    assert_eq!(failing, pairs);
}

#[test]
fn github_commands_and_concise_lines_follow_their_grammar() {
    let o = outputs();
    let findings = o.json["findings"].as_array().unwrap();
    let gh: Vec<&str> = o.github.lines().collect();
    let concise: Vec<&str> = o.concise.lines().collect();
    assert_eq!(gh.len(), findings.len());
    assert_eq!(concise.len(), findings.len());
    let command = regex::Regex::new(
        r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[^,:]+::[^\r\n]+$",
    )
    .unwrap();
    for l in &gh {
        assert!(command.is_match(l), "not a workflow command: {l}");
    }
    // Properties escape `%`, `,` and `:`; the suppressed hostNetwork is not annotated.
    assert!(
        gh.iter()
            .any(|l| l.contains("odd%2C 50%25 name.yaml,line=7") && l.contains("host-path-volume")),
        "{gh:?}"
    );
    assert!(!gh.iter().any(|l| l.contains("name.yaml,line=5")));
    let line = regex::Regex::new(r"^[^:]+:\d+:\d+: (error|warning|info)\[[a-z-]+\] .+$").unwrap();
    for (l, f) in concise.iter().zip(findings) {
        assert!(line.is_match(l), "not a concise line: {l}");
        let want = format!(
            "{}:{}:{}: {}[{}] ",
            f["file"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["severity"].as_str().unwrap(),
            f["rule"].as_str().unwrap()
        );
        assert!(l.starts_with(&want), "{l} vs {want}");
    }
}

#[test]
fn an_output_needs_its_format() {
    let out = Command::new(env!("CARGO_BIN_EXE_onus"))
        .current_dir(root())
        .args([
            "check", "examples", "--output", "a.json", "--output", "b.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--output needs its own --format"));
    assert!(!root().join("a.json").exists());
}
