//! `--format junit`: one test suite per file, one test case per rule of the run in that file
//! (a failure lists that rule's findings), so CI test views show what broke where.

use super::Report;
use crate::finding::Finding;
use std::collections::BTreeMap;

/// XML text and attribute escaping (control characters XML 1.0 cannot hold are dropped).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(r: &Report) -> String {
    // Every linted file is a suite; each rule of the run a case in it.
    let mut by_file: BTreeMap<&str, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for file in r.files {
        by_file.entry(&*file.name).or_default();
    }
    let all = r.findings.all();
    for f in all.iter().filter(|f| f.suppressed.is_none()) {
        by_file
            .entry(&*f.file)
            .or_default()
            .entry(&*f.rule)
            .or_default()
            .push(f);
    }
    let total_failures: usize = by_file.values().map(BTreeMap::len).sum();
    let total_tests = by_file.len() * r.rules.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"onus\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{}\">\n",
        r.errors.len()
    ));
    for (file, rules) in &by_file {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            esc(file),
            r.rules.len().max(rules.len()),
            rules.len()
        ));
        for rule in r.rules {
            out.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                esc(&rule.id),
                esc(file),
                esc(file)
            ));
            match rules.get(rule.id.as_str()) {
                None => out.push_str("/>\n"),
                Some(found) => {
                    out.push_str(">\n");
                    let first = found.first().map(|f| f.message.as_str()).unwrap_or("");
                    let body: Vec<String> = found
                        .iter()
                        .map(|f| {
                            format!(
                                "{}:{}:{}: {} [{}]\n  help: {}",
                                f.file, f.line, f.column, f.message, f.severity, f.help
                            )
                        })
                        .collect();
                    out.push_str(&format!(
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                        esc(first),
                        esc(&rule.severity.to_string()),
                        esc(&body.join("\n"))
                    ));
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    if !r.errors.is_empty() {
        out.push_str("  <testsuite name=\"onus run\" tests=\"1\" failures=\"0\" errors=\"1\">\n");
        out.push_str("    <testcase name=\"inputs\" classname=\"onus\">\n");
        out.push_str(&format!(
            "      <error message=\"the run failed\">{}</error>\n",
            esc(&r.errors.join("\n"))
        ));
        out.push_str("    </testcase>\n  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
