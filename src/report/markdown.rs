//! `--format markdown`: a summary for people reading a CI run (GitHub's job summary, a pull
//! request comment): counts per responsibility, then per rule, then the first findings.

use super::Report;
use std::collections::BTreeMap;

/// Findings listed one by one at most; the counts above cover all of them.
const LISTED: usize = 50;

/// Table cells: no line breaks, no column separators.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn render(r: &Report) -> String {
    let s = r.summary;
    let active: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let mut out = format!(
        "## onus: {} error{}, {} warning{}, {} info in {} file{}\n\n",
        s.errors,
        if s.errors == 1 { "" } else { "s" },
        s.warnings,
        if s.warnings == 1 { "" } else { "s" },
        s.infos,
        s.files,
        if s.files == 1 { "" } else { "s" },
    );
    if s.suppressed > 0 || s.skipped_documents > 0 {
        out.push_str(&format!(
            "{} resources linted; {} findings suppressed; {} documents skipped.\n\n",
            s.resources, s.suppressed, s.skipped_documents
        ));
    }
    for e in r.errors {
        out.push_str(&format!("> **run error:** {}\n\n", cell(e)));
    }
    if active.is_empty() {
        out.push_str("No finding: every duty onus checks is met.\n");
        return out;
    }
    let mut by_duty: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for f in &active {
        *by_duty.entry(f.responsibility.as_str()).or_default() += 1;
        *by_rule
            .entry((f.rule.as_str(), f.severity.to_string()))
            .or_default() += 1;
    }
    out.push_str(
        "### Duties broken\n\n| responsibility | who holds it | findings |\n|---|---|---|\n",
    );
    for (id, n) in &by_duty {
        match r.model.get(id) {
            Some(a) => out.push_str(&format!(
                "| {} — \"{}\" | {} | {n} |\n",
                cell(&a.section),
                cell(&a.activity),
                cell(&a.roles(&r.model.provider))
            )),
            None => out.push_str(&format!("| {} | | {n} |\n", cell(id))),
        }
    }
    out.push_str("\n### Rules\n\n| rule | severity | findings |\n|---|---|---|\n");
    for ((rule, sev), n) in &by_rule {
        out.push_str(&format!("| `{rule}` | {sev} | {n} |\n"));
    }
    out.push_str("\n### Findings\n\n| where | rule | message |\n|---|---|---|\n");
    for f in active.iter().take(LISTED) {
        out.push_str(&format!(
            "| `{}:{}:{}` | `{}` | {} |\n",
            cell(&f.file),
            f.line,
            f.column,
            f.rule,
            cell(&f.message)
        ));
    }
    if active.len() > LISTED {
        out.push_str(&format!(
            "\n…and {} more: see the annotations or the SARIF report.\n",
            active.len() - LISTED
        ));
    }
    out
}
