//! The one finding model every printer reads.

use crate::yaml::Span;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning or info)"
            )),
        }
    }
}

/// The object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// A secondary label: another place that explains the finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub label: String,
}

/// One diagnostic, with everything a printer needs and nothing rule-specific. What many
/// findings share (their rule, file, duty and the rule's help) is shared, not copied: a
/// large set has a hundred thousand of them.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Arc<str>,
    pub severity: Severity,
    pub message: String,
    /// Index of the file in the run's file list (for snippets).
    pub file_index: usize,
    pub file: Arc<str>,
    pub span: Span,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Text under the primary span.
    pub label: Option<String>,
    pub related: Vec<Related>,
    pub resource: Option<Arc<ResourceRef>>,
    pub responsibility: Arc<str>,
    pub help: Arc<str>,
    /// Set aside by a comment, annotation, configuration or baseline: printed only when
    /// asked for, never counted toward the exit code.
    pub suppressed: Option<crate::suppress::Suppressed>,
    /// YAML path of the span in its object (`spec.volumes[name=data].hostPath`), or "".
    pub path: String,
    /// Identity across unrelated edits: rule, file, object, path (see `path::fingerprint`).
    pub fingerprint: String,
}

impl Finding {
    /// Move a finding made in a part of its file (a window that starts `offset` bytes and
    /// `lines` line breaks in) to where that part is in the file.
    pub fn shift(&mut self, offset: usize, lines: usize) {
        let by = |s: Span| Span::new(s.start + offset, s.end + offset);
        self.span = by(self.span);
        self.line += lines;
        self.end_line += lines;
        for r in &mut self.related {
            r.span = by(r.span);
        }
    }

    /// The order of the report: file, line, column, rule, then the rest for ties.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, usize, &str) {
        (
            &self.file,
            self.line,
            self.column,
            &self.rule,
            self.span.end,
            &self.message,
        )
    }
}
