//! `--format json`: the shape fixed in spec/cli.md.

use super::Report;
use crate::finding::{Finding, ResourceRef, Severity};
use crate::suppress::Suppressed;
use serde::Serialize;

#[derive(Serialize)]
struct Json<'a> {
    version: &'static str,
    summary: JsonSummary,
    findings: Vec<JsonFinding<'a>>,
    /// Findings a comment, annotation, configuration or baseline set aside, with the mark.
    suppressed: Vec<JsonFinding<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
    errors: &'a [String],
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    file: &'a str,
    line: Option<usize>,
    kind: Option<&'a str>,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    resources: usize,
    skipped_documents: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct JsonResponsibility<'a> {
    id: &'a str,
    section: &'a str,
    activity: &'a str,
    customer: &'a str,
    provider: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: Option<&'a ResourceRef>,
    responsibility: Option<JsonResponsibility<'a>>,
    help: &'a str,
    /// YAML path of the span in its object ("" for file-level findings).
    path: &'a str,
    /// Identity across unrelated edits (rule, file, object, path; never the line).
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppressed>,
}

pub fn render<'a>(r: &Report<'a>) -> String {
    let s = r.summary;
    let one = |f: &'a Finding| JsonFinding {
        rule: &f.rule,
        severity: f.severity,
        message: &f.message,
        file: &f.file,
        line: f.line,
        column: f.column,
        end_line: f.end_line,
        end_column: f.end_column,
        resource: f.resource.as_ref(),
        responsibility: r.model.get(&f.responsibility).map(|a| JsonResponsibility {
            id: &a.id,
            section: &a.section,
            activity: &a.activity,
            customer: &a.customer,
            provider: &a.provider,
        }),
        help: &f.help,
        path: &f.path,
        fingerprint: &f.fingerprint,
        suppressed: f.suppressed.as_ref(),
    };
    let doc = Json {
        version: env!("CARGO_PKG_VERSION"),
        summary: JsonSummary {
            files: s.files,
            resources: s.resources,
            skipped_documents: s.skipped_documents,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            suppressed: s.suppressed,
        },
        findings: r
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(one)
            .collect(),
        suppressed: r
            .findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .map(one)
            .collect(),
        skipped: r
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                file: &s.file,
                line: s.line,
                kind: s.kind.as_deref(),
                reason: &s.reason,
            })
            .collect(),
        errors: r.errors,
    };
    let mut out =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
