//! The fixture harness, for onus's own rules (`cargo test`) and a team's (`onus test-rules`):
//! `<dir>/<id>/bad/*` must yield findings of rule `<id>` exactly on the lines marked
//! `# expect: <id>` (`# expect: <id> x2` for two; JSON fixtures: a `<file>.expect` sidecar of
//! `<line> <id>` lines), and `<dir>/<id>/good/*` none.

use crate::engine::{self, Input, Outcome, Settings};
use crate::finding::Finding;
use crate::rule::Rule;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Expected (line → count) of `rule`'s findings in one fixture file.
pub fn expectations(path: &Path, rule: &str) -> BTreeMap<usize, usize> {
    let mut want = BTreeMap::new();
    if path.extension().is_some_and(|e| e == "json") {
        let sidecar = format!("{}.expect", path.display());
        let text = std::fs::read_to_string(&sidecar).unwrap_or_default();
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut parts = l.split_whitespace();
            let line: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            if parts.next() == Some(rule) {
                *want.entry(line).or_default() += 1;
            }
        }
        return want;
    }
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    for (i, l) in text.lines().enumerate() {
        let Some((_, marks)) = l.split_once("# expect:") else {
            continue;
        };
        for item in marks.split(',') {
            let mut words = item.split_whitespace();
            if words.next() != Some(rule) {
                continue;
            }
            let n = words
                .next()
                .and_then(|w| w.strip_prefix('x'))
                .and_then(|n| n.parse().ok())
                .unwrap_or(1);
            *want.entry(i + 1).or_default() += n;
        }
    }
    want
}

/// Fixture files of a directory, sorted, without `.expect` sidecars.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.is_file() && p.extension().is_none_or(|e| e != "expect"));
    v.sort();
    v
}

/// Lint inputs with one rule of `all`. `unused-suppression` judges what the other rules
/// found: for it every enabled rule runs, and only its findings are kept.
pub fn run_rule(inputs: &[Input], all: &[Rule], rule: &Rule) -> Outcome {
    let chosen: Vec<&Rule> = if rule.id == "unused-suppression" {
        all.iter().filter(|r| r.enabled).collect()
    } else {
        vec![rule]
    };
    let mut out = engine::run(
        inputs,
        &chosen,
        &Settings {
            known_rules: all.iter().map(|r| r.id.clone()).collect(),
            ..Settings::default()
        },
    );
    if chosen.len() > 1 {
        out.findings.retain(|f| *f.rule == *rule.id);
        out.summary.warnings = out.findings.len();
        out.summary.errors = 0;
        out.summary.infos = 0;
        out.summary.suppressed = 0;
    }
    out
}

/// Lint files with one rule; each is named by its path relative to `base` when below it.
pub fn lint_files(files: &[PathBuf], base: &Path, all: &[Rule], rule: &Rule) -> Outcome {
    let inputs: Vec<Input> = files
        .iter()
        .map(|p| Input::Path {
            name: p.strip_prefix(base).unwrap_or(p).to_string_lossy().into(),
            path: p.clone(),
            context: false,
        })
        .collect();
    run_rule(&inputs, all, rule)
}

/// One fixture file's verdict.
pub struct FileResult {
    pub file: PathBuf,
    /// A `bad` fixture (else `good`).
    pub bad: bool,
    pub want: BTreeMap<usize, usize>,
    pub got: BTreeMap<usize, usize>,
    /// The rule's active findings in the file.
    pub findings: Vec<Finding>,
    /// Errors of the run (an unreadable file).
    pub errors: Vec<String>,
    /// A `good` fixture with `# expect:` markers (they would be ignored): a mistake.
    pub marked_good: bool,
}

impl FileResult {
    pub fn passed(&self) -> bool {
        self.errors.is_empty()
            && !self.marked_good
            && if self.bad {
                !self.want.is_empty() && self.want == self.got
            } else {
                self.got.is_empty()
            }
    }

    /// What differs, one line each: `file:line: ...`.
    pub fn differences(&self) -> Vec<String> {
        let name = self.file.display();
        let mut out: Vec<String> = self.errors.iter().map(|e| format!("{name}: {e}")).collect();
        if self.marked_good {
            out.push(format!(
                "{name}: a good fixture has `# expect:` markers: move it to bad/"
            ));
        }
        if self.bad && self.want.is_empty() {
            out.push(format!(
                "{name}: a bad fixture marks no line with `# expect: <id>`"
            ));
        }
        let lines: std::collections::BTreeSet<usize> =
            self.want.keys().chain(self.got.keys()).copied().collect();
        for line in lines {
            let want = self.want.get(&line).copied().unwrap_or(0);
            let got = self.got.get(&line).copied().unwrap_or(0);
            if want == got {
                continue;
            }
            let found: Vec<&str> = self
                .findings
                .iter()
                .filter(|f| f.line == line)
                .map(|f| f.message.as_str())
                .collect();
            out.push(if got == 0 {
                format!("{name}:{line}: expected a finding, none reported")
            } else if want == 0 {
                format!(
                    "{name}:{line}: not expected, reported: {}",
                    found.join("; ")
                )
            } else {
                format!(
                    "{name}:{line}: expected {want} finding(s), reported {got}: {}",
                    found.join("; ")
                )
            });
        }
        out
    }
}

/// Run one file for a rule.
pub fn run_file(file: &Path, bad: bool, base: &Path, all: &[Rule], rule: &Rule) -> FileResult {
    let out = lint_files(&[file.to_path_buf()], base, all, rule);
    let (findings, unjudged): (Vec<Finding>, Vec<Finding>) = out
        .findings
        .into_iter()
        .filter(|f| *f.rule == *rule.id && f.suppressed.is_none())
        .partition(|f| {
            !f.message.starts_with(crate::celx::NOT_EVALUATED)
                && !f.message.ends_with(crate::celx::NOT_EVALUATED_TAIL)
        });
    // An object the rule could not judge is a failure of the rule, never the finding a
    // marker expects.
    let mut errors = out.failures;
    errors.extend(unjudged.iter().map(|f| {
        format!(
            "line {}: the rule could not judge it: {}",
            f.line, f.message
        )
    }));
    let mut got = BTreeMap::new();
    for f in &findings {
        *got.entry(f.line).or_default() += 1;
    }
    FileResult {
        file: file.strip_prefix(base).unwrap_or(file).to_path_buf(),
        bad,
        want: if bad {
            expectations(file, &rule.id)
        } else {
            BTreeMap::new()
        },
        marked_good: !bad && !expectations(file, &rule.id).is_empty(),
        got,
        findings,
        errors,
    }
}

/// A rule's verdict over its fixtures `<dir>/<id>/{bad,good}` and the examples of its file.
pub struct RuleResult {
    pub id: String,
    pub files: Vec<FileResult>,
    /// The rule file's `examples` that do not do what they say.
    pub examples: Vec<String>,
}

impl RuleResult {
    /// Passed: fixtures exist (at least one bad one), every file passed, and the examples
    /// fail and pass as documented.
    pub fn passed(&self) -> bool {
        self.files.iter().any(|f| f.bad)
            && self.files.iter().all(FileResult::passed)
            && self.examples.is_empty()
    }
}

/// The rule file's `examples.fail` must be flagged, `examples.pass` not (they are what
/// `onus explain` shows).
fn check_examples(all: &[Rule], rule: &Rule) -> Vec<String> {
    let mut out = Vec::new();
    for (which, text, flagged) in [
        ("fail", &rule.example_fail, true),
        ("pass", &rule.example_pass, false),
    ] {
        let Some(text) = text else { continue };
        let inputs = [Input::Text {
            name: format!("{}#examples.{which}", rule.origin),
            bytes: text.as_bytes().to_vec(),
        }];
        let out_run = run_rule(&inputs, all, rule);
        let n = out_run
            .findings
            .iter()
            .filter(|f| *f.rule == *rule.id && f.suppressed.is_none())
            .count();
        if flagged && n == 0 {
            out.push(format!("{}: examples.fail is not flagged", rule.origin));
        } else if !flagged && n > 0 {
            out.push(format!("{}: examples.pass is flagged", rule.origin));
        }
    }
    out
}

pub fn test_rule(dir: &Path, base: &Path, all: &[Rule], rule: &Rule) -> RuleResult {
    let root = dir.join(&rule.id);
    let mut files = Vec::new();
    for (sub, bad) in [("bad", true), ("good", false)] {
        for f in files_in(&root.join(sub)) {
            files.push(run_file(&f, bad, base, all, rule));
        }
    }
    RuleResult {
        id: rule.id.clone(),
        files,
        examples: check_examples(all, rule),
    }
}

/// The report of `onus test-rules`: a line per rule, the differences under a failing one.
pub fn report(dir: &Path, results: &[RuleResult]) -> String {
    let mut out = String::new();
    for r in results {
        let bad = r.files.iter().filter(|f| f.bad).count();
        let good = r.files.len() - bad;
        if r.passed() {
            out.push_str(&format!(
                "PASS {} (fixtures: {bad} bad, {good} good)\n",
                r.id
            ));
            continue;
        }
        out.push_str(&format!("FAIL {}\n", r.id));
        if bad == 0 {
            out.push_str(&format!(
                "  no bad fixture: add {}/{}/bad/<name>.yaml with `# expect: {}` on the lines it must flag\n",
                dir.display(),
                r.id,
                r.id
            ));
        }
        for f in &r.files {
            for d in f.differences() {
                out.push_str(&format!("  {d}\n"));
            }
        }
        for e in &r.examples {
            out.push_str(&format!("  {e}\n"));
        }
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    out.push_str(&format!(
        "{} rule{}: {passed} passed, {} failed\n",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        results.len() - passed
    ));
    out
}
