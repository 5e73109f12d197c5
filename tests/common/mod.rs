//! Shared test helpers: run the engine in-process on files, with chosen rules.
#![allow(dead_code)]

use onus::engine::{self, Input, Outcome, Settings};
use onus::model::Model;
use onus::registry::builtin_rules;
use onus::report::{Report, human};
use onus::rule::Rule;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn rules() -> &'static Vec<Rule> {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| builtin_rules().unwrap_or_else(|e| panic!("{e}")))
}

pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::builtin().unwrap_or_else(|e| panic!("{e}")))
}

pub fn rule(id: &str) -> &'static Rule {
    rules()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

/// Lint files (named relative to the crate root) with one rule.
pub fn lint_files(files: &[PathBuf], rule_id: &str) -> Outcome {
    let inputs: Vec<Input> = files
        .iter()
        .map(|p| Input::Path {
            name: p
                .strip_prefix(root())
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned(),
            path: p.clone(),
            context: false,
        })
        .collect();
    run_rule(&inputs, rule_id)
}

/// Run one rule. `unused-suppression` judges what the other rules found: for it every
/// enabled rule runs, and only its findings are kept.
fn run_rule(inputs: &[Input], rule_id: &str) -> Outcome {
    let chosen: Vec<&Rule> = if rule_id == "unused-suppression" {
        rules().iter().filter(|r| r.enabled).collect()
    } else {
        vec![rule(rule_id)]
    };
    let mut out = engine::run(
        inputs,
        &chosen,
        &Settings {
            default_namespace: "default".into(),
            known_rules: rules().iter().map(|r| r.id.clone()).collect(),
            kube_version: None,
        },
    );
    if chosen.len() > 1 {
        out.findings.retain(|f| f.rule == rule_id);
        out.summary.warnings = out.findings.len();
        out.summary.errors = 0;
        out.summary.infos = 0;
        out.summary.suppressed = 0;
    }
    out
}

pub fn lint_text(name: &str, text: &str, rule_id: &str) -> Outcome {
    let inputs = [Input::Text {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    }];
    run_rule(&inputs, rule_id)
}

pub fn render_human(o: &Outcome) -> String {
    let report = Report {
        findings: &o.findings,
        files: &o.files,
        summary: o.summary,
        model: model(),
        skipped: &o.skipped,
        errors: &[],
        rules: &[],
    };
    human::render(
        &report,
        &human::Style {
            color: false,
            width: 100,
        },
        human::Options::default(),
    )
}

/// Files of a directory, sorted, without `.expect` sidecars.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file() && p.extension().is_none_or(|e| e != "expect"));
    v.sort();
    v
}
