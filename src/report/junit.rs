//! `--format junit`: one test suite per file, one test case per rule of the run in that file
//! (a failure lists that rule's findings), so CI test views show what broke where.

use super::Report;
use crate::finding::Finding;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

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

/// Write the report file by file as the findings come: only one file's findings are held.
pub fn write(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // Every linted file is a suite (in name order, as the findings come); each rule of the
    // run a case in it. A first pass counts the failing cases for the header.
    let mut names: Vec<&str> = r.files.iter().map(|f| &*f.name).collect();
    names.sort_unstable();
    names.dedup();
    let mut extra: Vec<String> = Vec::new();
    let mut total_failures = 0;
    let mut current: Option<(String, BTreeSet<String>)> = None;
    for f in r.findings.iter().filter(|f| f.suppressed.is_none()) {
        if current.as_ref().is_none_or(|(file, _)| **file != *f.file) {
            if names.binary_search(&&*f.file).is_err() {
                extra.push(f.file.to_string());
            }
            current = Some((f.file.to_string(), BTreeSet::new()));
        }
        if let Some((_, rules)) = &mut current
            && rules.insert(f.rule.to_string())
        {
            total_failures += 1;
        }
    }
    let mut all: Vec<&str> = names
        .into_iter()
        .chain(extra.iter().map(String::as_str))
        .collect();
    all.sort_unstable();
    all.dedup();
    let total_tests = all.len() * r.rules.len().max(1);
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    writeln!(
        w,
        "<testsuites name=\"onus\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"{}\">",
        r.errors.len()
    )?;
    let mut findings = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .peekable();
    for file in all {
        let mut rules: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
        while let Some(f) = findings.next_if(|f| *f.file == *file) {
            rules
                .entry(f.rule.to_string())
                .or_default()
                .push(f.into_owned());
        }
        suite(&mut w, r, file, &rules)?;
    }
    if !r.errors.is_empty() {
        w.write_all(b"  <testsuite name=\"onus run\" tests=\"1\" failures=\"0\" errors=\"1\">\n")?;
        w.write_all(b"    <testcase name=\"inputs\" classname=\"onus\">\n")?;
        writeln!(
            w,
            "      <error message=\"the run failed\">{}</error>",
            esc(&r.errors.join("\n"))
        )?;
        w.write_all(b"    </testcase>\n  </testsuite>\n")?;
    }
    w.write_all(b"</testsuites>\n")?;
    w.flush()
}

/// One file's suite: a case per rule of the run, failing with that rule's findings.
fn suite(
    w: &mut dyn Write,
    r: &Report,
    file: &str,
    rules: &BTreeMap<String, Vec<Finding>>,
) -> std::io::Result<()> {
    writeln!(
        w,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        esc(file),
        r.rules.len().max(rules.len()),
        rules.len()
    )?;
    for rule in r.rules {
        write!(
            w,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
            esc(&rule.id),
            esc(file),
            esc(file)
        )?;
        match rules.get(rule.id.as_str()) {
            None => w.write_all(b"/>\n")?,
            Some(found) => {
                w.write_all(b">\n")?;
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
                writeln!(
                    w,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    esc(first),
                    esc(&rule.severity.to_string()),
                    esc(&body.join("\n"))
                )?;
                w.write_all(b"    </testcase>\n")?;
            }
        }
    }
    w.write_all(b"  </testsuite>\n")
}

pub fn render(r: &Report) -> String {
    super::to_string(r, write)
}
