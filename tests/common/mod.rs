//! Shared test helpers: run the engine in-process on files, with chosen rules.
#![allow(dead_code)]

use onus::engine::{Input, Outcome};
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
    onus::testing::lint_files(files, &root(), rules(), rule(rule_id))
}

fn run_rule(inputs: &[Input], rule_id: &str) -> Outcome {
    onus::testing::run_rule(inputs, rules(), rule(rule_id))
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
        findings: (&o.findings).into(),
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
/// Every file under `dir`, depth first (nothing when it is absent).
pub fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    onus::testing::files_in(dir)
}

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
