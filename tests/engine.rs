//! Engine guarantees that need a rule of our own: a panicking rule is a finding, not a crash.

mod common;

use onus::engine::{self, Input, Settings};
use onus::finding::Severity;
use onus::object::Resource;
use onus::rule::{Check, Cx, Hit, Rule};

struct Panics;

impl Check for Panics {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if res.name == Some("boom") {
            panic!("deliberate");
        }
        out.push(Hit::new(res.name_span(), "seen"));
    }
}

#[test]
fn a_panicking_rule_becomes_a_finding_and_the_run_goes_on() {
    let rule = Rule {
        id: "test-panics".into(),
        severity: Severity::Warning,
        enabled: true,
        responsibility: "2.2/native-api-import-export".into(),
        summary: "s".into(),
        rationale: "r".into(),
        remediation: "m".into(),
        check_name: "test-panics".into(),
        example_fail: None,
        example_pass: None,
        check: Box::new(Panics),
        factory: |_| Ok(Box::new(Panics)),
        origin: "test".into(),
        text: String::new(),
        scope: Vec::new(),
    };
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: boom}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n";
    std::panic::set_hook(Box::new(|_| {}));
    let out = engine::run(
        &[Input::Text {
            name: "x.yaml".into(),
            bytes: text.as_bytes().to_vec(),
        }],
        &[&rule],
        &Settings {
            default_namespace: "default".into(),
            known_rules: Vec::new(),
            kube_version: None,
        },
    );
    let _ = std::panic::take_hook();
    let msgs: Vec<(usize, &str)> = out
        .findings
        .iter()
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0].0, 3);
    assert!(msgs[0].1.contains("internal error: deliberate"), "{msgs:?}");
    assert_eq!(msgs[1], (7, "seen"));
}
