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
    // Counts of all the findings that count, and the first few of them: never all held.
    let mut by_duty: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut listed = Vec::new();
    let mut active = 0;
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        active += 1;
        *by_duty.entry(f.responsibility.to_string()).or_default() += 1;
        *by_rule
            .entry((f.rule.to_string(), f.severity.to_string()))
            .or_default() += 1;
        if listed.len() < LISTED {
            listed.push(f.into_owned());
        }
    }
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
    // Every duty the run checks, with both parties' letters, its rules and its count: the
    // page a team can hand to an auditor. Findings of a duty no rule of the run cites
    // (none today) would still be counted below, under the rules.
    out.push_str(
        "### Duties\n\n| responsibility | customer | provider | rules | findings |\n|---|---|---|---|---|\n",
    );
    let role = |x: &str| {
        if x.is_empty() {
            "—".to_string()
        } else {
            x.to_string()
        }
    };
    for a in r
        .model
        .activities
        .iter()
        .filter(|a| a.checkable && a.customer_holds())
    {
        let rules: Vec<String> = r
            .rules
            .iter()
            .filter(|rule| rule.responsibility == a.id)
            .map(|rule| format!("`{}`", rule.id))
            .collect();
        let n = by_duty.get(a.id.as_str()).copied().unwrap_or(0);
        if rules.is_empty() && n == 0 {
            continue;
        }
        out.push_str(&format!(
            "| {} — \"{}\" | {} | {} | {} | {} |\n",
            cell(&a.section),
            cell(&a.activity),
            role(&a.customer),
            role(&a.provider),
            rules.join(", "),
            if n == 0 {
                "0".to_string()
            } else {
                format!("**{n}**")
            }
        ));
    }
    if active == 0 {
        out.push_str("\nNo finding: every duty onus checks is met.\n");
        return out;
    }
    out.push_str("\n### Rules\n\n| rule | severity | findings |\n|---|---|---|\n");
    for ((rule, sev), n) in &by_rule {
        out.push_str(&format!("| `{rule}` | {sev} | {n} |\n"));
    }
    out.push_str("\n### Findings\n\n| where | rule | message |\n|---|---|---|\n");
    for f in &listed {
        out.push_str(&format!(
            "| `{}:{}:{}` | `{}` | {} |\n",
            cell(&f.file),
            f.line,
            f.column,
            f.rule,
            cell(&f.message)
        ));
    }
    if active > LISTED {
        out.push_str(&format!(
            "\n…and {} more: see the annotations or the SARIF report.\n",
            active - LISTED
        ));
    }
    out
}
