//! `--format json`: the shape fixed in spec/cli.md.

use super::Report;
use crate::finding::{ResourceRef, Severity};
use serde::Serialize;

#[derive(Serialize)]
struct Json<'a> {
    version: &'static str,
    summary: JsonSummary,
    findings: Vec<JsonFinding<'a>>,
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
}

pub fn render(r: &Report) -> String {
    let s = r.summary;
    let doc = Json {
        version: env!("CARGO_PKG_VERSION"),
        summary: JsonSummary {
            files: s.files,
            resources: s.resources,
            skipped_documents: s.skipped_documents,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
        },
        findings: r
            .findings
            .iter()
            .map(|f| JsonFinding {
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
            })
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
