//! `--format json`: the shape fixed in spec/cli.md.

use super::Report;
use crate::finding::{Finding, ResourceRef, Severity};
use crate::suppress::Suppressed;
use serde::Serialize;

#[derive(Serialize)]
struct Json<'a, 'r> {
    version: &'static str,
    summary: JsonSummary,
    findings: Findings<'a, 'r>,
    /// Findings a comment, annotation, configuration or baseline set aside, with the mark.
    suppressed: Findings<'a, 'r>,
    skipped: Vec<JsonSkipped<'a>>,
    errors: &'a [String],
}

/// The findings (set aside or not), serialised one by one as they are written: a large
/// report is never held twice in memory.
struct Findings<'a, 'r> {
    report: &'r Report<'a>,
    suppressed: bool,
}

impl Serialize for Findings<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let r = self.report;
        let mut seq = s.serialize_seq(None)?;
        // None of these: the findings are not read for them.
        let none = if self.suppressed {
            r.summary.suppressed == 0
        } else {
            r.summary.errors + r.summary.warnings + r.summary.infos == 0
        };
        if none {
            return seq.end();
        }
        for f in r.findings.iter() {
            if f.suppressed.is_some() == self.suppressed {
                seq.serialize_element(&one(r, &f))?;
            }
        }
        seq.end()
    }
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

fn one<'a>(r: &Report<'a>, f: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.rule,
        severity: f.severity,
        message: &f.message,
        file: &f.file,
        line: f.line,
        column: f.column,
        end_line: f.end_line,
        end_column: f.end_column,
        resource: f.resource.as_deref(),
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
    }
}

/// Write the report as it is serialised (no copy of it in memory).
pub fn write(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
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
            suppressed: s.suppressed,
        },
        findings: Findings {
            report: r,
            suppressed: false,
        },
        suppressed: Findings {
            report: r,
            suppressed: true,
        },
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
    super::write_json(&doc, out)
}

pub fn render(r: &Report) -> String {
    super::json_to_string(r, write)
}
