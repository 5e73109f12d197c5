//! For every rule: `fixtures/<id>/bad/*` yields findings of that rule exactly on the lines
//! marked `# expect: <id>` (JSON files: a `<file>.expect` sidecar of `<line> <id>` lines),
//! `fixtures/<id>/good/*` yields none; and the human output of the bad fixtures is snapshotted.

mod common;

use common::{files_in, lint_files, render_human, root, rules};
use std::collections::BTreeMap;
use std::path::Path;

/// Expected (line → count) for `rule` in one fixture file.
fn expectations(path: &Path, rule: &str) -> BTreeMap<usize, usize> {
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
        let Some(pos) = l.find("# expect:") else {
            continue;
        };
        for item in l[pos + "# expect:".len()..].split(',') {
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

#[test]
fn fixtures_yield_exactly_the_marked_findings() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for rule in rules() {
        let dir = root().join("fixtures").join(&rule.id);
        for file in files_in(&dir.join("bad")) {
            let want = expectations(&file, &rule.id);
            if want.is_empty() {
                problems.push(format!("{}: a bad fixture marks no line", file.display()));
            }
            let out = lint_files(std::slice::from_ref(&file), &rule.id);
            let mut got: BTreeMap<usize, usize> = BTreeMap::new();
            for f in out
                .findings
                .iter()
                .filter(|f| f.rule == rule.id && f.suppressed.is_none())
            {
                *got.entry(f.line).or_default() += 1;
            }
            if got != want {
                problems.push(format!(
                    "{}: expected {} at lines {:?}, got {:?}",
                    file.display(),
                    rule.id,
                    want,
                    got
                ));
            }
            checked += 1;
        }
        for file in files_in(&dir.join("good")) {
            let out = lint_files(std::slice::from_ref(&file), &rule.id);
            for f in out
                .findings
                .iter()
                .filter(|f| f.rule == rule.id && f.suppressed.is_none())
            {
                problems.push(format!(
                    "{}:{}: good fixture flagged: {}",
                    file.display(),
                    f.line,
                    f.message
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn human_output_of_bad_fixtures() {
    for rule in rules() {
        let files = files_in(&root().join("fixtures").join(&rule.id).join("bad"));
        if files.is_empty() {
            continue;
        }
        let out = lint_files(&files, &rule.id);
        insta::assert_snapshot!(rule.id.as_str(), render_human(&out));
    }
}
