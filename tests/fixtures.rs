//! For every rule: `fixtures/<id>/bad/*` yields findings of that rule exactly on the lines
//! marked `# expect: <id>` (JSON files: a `<file>.expect` sidecar of `<line> <id>` lines),
//! `fixtures/<id>/good/*` yields none; and the human output of the bad fixtures is snapshotted.

mod common;

use common::{files_in, lint_files, render_human, root, rules};
use onus::testing;

/// Every rule's fixtures through the library's harness (the one `onus test-rules` runs).
#[test]
fn fixtures_yield_exactly_the_marked_findings() {
    let mut problems = Vec::new();
    let mut checked = 0;
    let dir = root().join("fixtures");
    for rule in rules() {
        let result = testing::test_rule(&dir, &root(), rules(), rule);
        if !result.files.iter().any(|f| f.bad) {
            problems.push(format!("{}: no bad fixture", rule.id));
        }
        for f in &result.files {
            problems.extend(f.differences());
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
