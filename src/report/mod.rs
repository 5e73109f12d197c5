//! Printers: each reads findings (and the model to quote), never rules.

pub mod concise;
pub mod excerpts;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::engine::{Skipped, Summary};
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::Rule;
use crate::source::SourceFile;
use crate::store::Store;
use std::borrow::Cow;
use std::sync::Arc;

/// The findings of a report, in report order: a slice, or a store that may have written
/// some to disk.
#[derive(Clone, Copy)]
pub enum Findings<'a> {
    Slice(&'a [Finding]),
    Store(&'a Store),
}

impl<'a> Findings<'a> {
    /// One by one, as written: a large report's findings are never all in memory.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'a, Finding>> + 'a> {
        match *self {
            Findings::Slice(s) => Box::new(s.iter().map(Cow::Borrowed)),
            Findings::Store(s) => Box::new(s.iter()),
        }
    }

    /// In order, up to `n` at a time (a store decodes each window on the pool's threads).
    pub fn windows(&self, n: usize) -> Box<dyn Iterator<Item = Vec<Cow<'a, Finding>>> + 'a> {
        match *self {
            Findings::Slice(s) => Box::new(
                s.chunks(n.max(1))
                    .map(|c| c.iter().map(Cow::Borrowed).collect()),
            ),
            Findings::Store(s) => Box::new(s.windows(n)),
        }
    }

    /// All at once, for the printers that hold their whole output anyway.
    pub fn all(&self) -> Cow<'a, [Finding]> {
        match *self {
            Findings::Slice(s) => Cow::Borrowed(s),
            Findings::Store(s) => Cow::Owned(s.iter().map(Cow::into_owned).collect()),
        }
    }
}

impl<'a> From<&'a Vec<Finding>> for Findings<'a> {
    fn from(v: &'a Vec<Finding>) -> Self {
        Findings::Slice(v)
    }
}

impl<'a> From<&'a [Finding]> for Findings<'a> {
    fn from(v: &'a [Finding]) -> Self {
        Findings::Slice(v)
    }
}

impl<'a> From<&'a Store> for Findings<'a> {
    fn from(s: &'a Store) -> Self {
        Findings::Store(s)
    }
}

/// Everything a printer may read.
pub struct Report<'a> {
    pub findings: Findings<'a>,
    pub files: &'a [Arc<SourceFile>],
    pub summary: Summary,
    pub model: &'a Model,
    /// Files and documents not linted, with the reason.
    pub skipped: &'a [Skipped],
    /// Failures of the run itself (the reason for exit code 2).
    pub errors: &'a [String],
    /// The rules of the run, in id order (SARIF and JUnit list them; no printer runs them).
    pub rules: &'a [&'a Rule],
}

/// What a streaming printer writes, as a string (tests and the fuzz checks read it whole).
pub fn to_string(
    r: &Report,
    write: impl FnOnce(&Report, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> String {
    written(r, write).unwrap_or_else(|e| format!("error: {e}\n"))
}

/// A JSON printer's output as a string; if it cannot be written, a JSON object saying why.
pub fn json_to_string(
    r: &Report,
    write: impl FnOnce(&Report, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> String {
    written(r, write).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}\n"))
}

fn written(
    r: &Report,
    write: impl FnOnce(&Report, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let mut out = Vec::new();
    write(r, &mut out)?;
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// A document as indented JSON and a newline, written as it is serialised (the JSON and
/// SARIF reports).
fn write_json(doc: &impl serde::Serialize, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut w, doc).map_err(std::io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// Words to wrap: a `code span` stays whole, so a suggested snippet can be copied, and so
/// does a short parenthesis such as `(Customer: RA)`.
fn atoms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut code = false;
    let mut paren = false;
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(last) if code || paren => {
                last.push(' ');
                last.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
        if word.matches('`').count() % 2 == 1 {
            code = !code;
        }
        if !code {
            let opened = word.starts_with('(') && !word.contains(')');
            let closed = word.contains(')');
            if opened {
                paren = out.last().is_some_and(|w| w.len() < 30);
            } else if closed || out.last().is_some_and(|w| w.len() >= 30) {
                paren = false;
            }
        }
    }
    out
}

/// Greedy word wrap; continuation lines get `indent`. Never breaks inside backticks.
pub fn wrap(text: &str, width: usize, first_indent: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first_indent);
    let mut empty = true;
    for word in atoms(text) {
        let word = word.as_str();
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_keeps_code_whole() {
        let w = wrap(
            "move it: `valueFrom: {secretKeyRef: {name: db, key: password}}` now",
            30,
            "help: ",
            "      ",
        );
        assert!(
            w.contains("`valueFrom: {secretKeyRef: {name: db, key: password}}`"),
            "{w}"
        );
        assert_eq!(wrap("a b c", 3, "", ""), "a b\nc");
    }
}
