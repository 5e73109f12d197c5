//! `--format json`: the shape fixed in spec/cli.md.

use super::Report;
use crate::finding::{Finding, ResourceRef};
use rayon::prelude::*;
use serde::Serialize;

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

fn skipped_of(s: &crate::engine::Skipped) -> JsonSkipped<'_> {
    JsonSkipped {
        file: &s.file,
        line: s.line,
        kind: s.kind.as_deref(),
        reason: &s.reason,
    }
}

fn responsibility_of(a: &crate::model::Activity) -> JsonResponsibility<'_> {
    JsonResponsibility {
        id: &a.id,
        section: &a.section,
        activity: &a.activity,
        customer: &a.customer,
        provider: &a.provider,
    }
}

/// Write the report as it is serialised (no copy of it in memory). The findings, most of
/// a large report, are written field by field; what many of them share (a responsibility,
/// a rule's help, an object, a file name) is serialised once. The bytes are those serde's
/// pretty printer gives for the same shape (a test compares them).
pub fn write(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use std::io::Write;
    let s = r.summary;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    w.write_all(b"{\n  \"version\": ")?;
    string(&mut w, env!("CARGO_PKG_VERSION"))?;
    w.write_all(b",\n  \"summary\": ")?;
    w.write_all(&indented(
        &JsonSummary {
            files: s.files,
            resources: s.resources,
            skipped_documents: s.skipped_documents,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            suppressed: s.suppressed,
        },
        "  ",
    )?)?;
    for (key, suppressed) in [("findings", false), ("suppressed", true)] {
        write!(w, ",\n  \"{key}\": ")?;
        // None of these: the findings are not read for them.
        let none = if suppressed {
            s.suppressed == 0
        } else {
            s.errors + s.warnings + s.infos == 0
        };
        let mut first = true;
        if !none {
            // A window of findings at a time, serialised in pieces on the run's threads and
            // written in order: the report is no longer a serial tail of the run, and a large
            // one is still never whole in memory.
            for mut window in r.findings.windows(WINDOW) {
                window.retain(|f| f.suppressed.is_some() == suppressed);
                // Each piece's findings are dropped by the thread that wrote them.
                let pieces: Vec<std::io::Result<Vec<u8>>> = window
                    .into_par_iter()
                    .chunks(PIECE)
                    .map(|chunk| {
                        let mut piece = Vec::with_capacity(chunk.len() * 1024);
                        let mut shared = SharedParts::default();
                        for (i, f) in chunk.iter().enumerate() {
                            if i > 0 {
                                piece.extend_from_slice(b",\n");
                            }
                            finding(&mut piece, r.model, f, &mut shared)?;
                        }
                        Ok(piece)
                    })
                    .collect();
                for piece in pieces {
                    w.write_all(if first { b"[\n" } else { b",\n" })?;
                    first = false;
                    w.write_all(&piece?)?;
                }
            }
        }
        w.write_all(if first { b"[]" } else { b"\n  ]" })?;
    }
    let skipped: Vec<JsonSkipped> = r.skipped.iter().map(skipped_of).collect();
    w.write_all(b",\n  \"skipped\": ")?;
    w.write_all(&indented(&skipped, "  ")?)?;
    w.write_all(b",\n  \"errors\": ")?;
    w.write_all(&indented(&r.errors, "  ")?)?;
    w.write_all(b"\n}\n")?;
    w.flush()
}

/// A value as serde's pretty printer writes it at this indentation (JSON strings hold no
/// line breaks, so each one starts a line of the value).
fn indented(value: &impl Serialize, indent: &str) -> std::io::Result<Vec<u8>> {
    let plain = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(plain.len() + 64);
    for (i, line) in plain.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
            out.extend_from_slice(indent.as_bytes());
        }
        out.extend_from_slice(line);
    }
    Ok(out)
}

fn string(w: &mut impl std::io::Write, s: &str) -> std::io::Result<()> {
    serde_json::to_writer(w, s).map_err(std::io::Error::other)
}

/// Parts findings share, serialised once: by responsibility, by rule (its help), the last
/// object and the last file.
#[derive(Default)]
struct SharedParts {
    responsibilities: std::collections::HashMap<String, Vec<u8>>,
    help: std::collections::HashMap<String, (String, Vec<u8>)>,
    resource: Option<(ResourceRef, Vec<u8>)>,
    file: Option<(String, Vec<u8>)>,
}

/// Findings serialised at a time (at most), and in one piece.
const WINDOW: usize = 2048;
const PIECE: usize = 256;

fn finding(
    w: &mut impl std::io::Write,
    model: &crate::model::Model,
    f: &Finding,
    shared: &mut SharedParts,
) -> std::io::Result<()> {
    const FIELD: &str = "      ";
    w.write_all(b"    {\n      \"rule\": ")?;
    string(w, &f.rule)?;
    // Literal pieces written as bytes: the formatting machinery was 2% of a run here.
    w.write_all(b",\n      \"severity\": \"")?;
    w.write_all(f.severity.as_str().as_bytes())?;
    w.write_all(b"\",\n      \"message\": ")?;
    string(w, &f.message)?;
    w.write_all(b",\n      \"file\": ")?;
    if shared
        .file
        .as_ref()
        .is_none_or(|(name, _)| **name != *f.file)
    {
        let mut bytes = Vec::new();
        string(&mut bytes, &f.file)?;
        shared.file = Some((f.file.to_string(), bytes));
    }
    if let Some((_, bytes)) = &shared.file {
        w.write_all(bytes)?;
    }
    w.write_all(b",\n      \"line\": ")?;
    number(w, f.line)?;
    w.write_all(b",\n      \"column\": ")?;
    number(w, f.column)?;
    w.write_all(b",\n      \"end_line\": ")?;
    number(w, f.end_line)?;
    w.write_all(b",\n      \"end_column\": ")?;
    number(w, f.end_column)?;
    w.write_all(b",\n      \"resource\": ")?;
    match f.resource.as_deref() {
        None => w.write_all(b"null")?,
        Some(res) => {
            if shared.resource.as_ref().is_none_or(|(last, _)| last != res) {
                shared.resource = Some((res.clone(), indented(res, FIELD)?));
            }
            if let Some((_, bytes)) = &shared.resource {
                w.write_all(bytes)?;
            }
        }
    }
    w.write_all(b",\n      \"responsibility\": ")?;
    let id: &str = &f.responsibility;
    if !shared.responsibilities.contains_key(id) {
        let bytes = match model.get(id) {
            Some(a) => indented(&responsibility_of(a), FIELD)?,
            None => b"null".to_vec(),
        };
        shared.responsibilities.insert(id.to_string(), bytes);
    }
    if let Some(bytes) = shared.responsibilities.get(id) {
        w.write_all(bytes)?;
    }
    w.write_all(b",\n      \"help\": ")?;
    match shared.help.get(&*f.rule) {
        Some((help, bytes)) if **help == *f.help => w.write_all(bytes)?,
        _ => {
            let mut bytes = Vec::new();
            string(&mut bytes, &f.help)?;
            w.write_all(&bytes)?;
            shared
                .help
                .insert(f.rule.to_string(), (f.help.to_string(), bytes));
        }
    }
    w.write_all(b",\n      \"path\": ")?;
    string(w, &f.path)?;
    w.write_all(b",\n      \"fingerprint\": ")?;
    string(w, &f.fingerprint)?;
    if let Some(mark) = &f.suppressed {
        write!(w, ",\n{FIELD}\"suppressed\": ")?;
        w.write_all(&indented(mark, FIELD)?)?;
    }
    w.write_all(b"\n    }")
}

/// A number as serde_json writes it (its own integer writer, without the formatting
/// machinery that `write!` goes through).
fn number(w: &mut impl std::io::Write, n: usize) -> std::io::Result<()> {
    serde_json::to_writer(w, &n).map_err(std::io::Error::from)
}

pub fn render(r: &Report) -> String {
    super::json_to_string(r, write)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Summary;
    use crate::finding::Severity;
    use crate::model::Model;
    use crate::suppress::{Suppressed, SuppressionKind};
    use std::sync::Arc;

    /// The shape as serde derives it: what `write` must give byte for byte.
    #[derive(Serialize)]
    struct Whole<'a> {
        version: &'static str,
        summary: JsonSummary,
        findings: Vec<One<'a>>,
        suppressed: Vec<One<'a>>,
        skipped: Vec<JsonSkipped<'a>>,
        errors: &'a [String],
    }

    #[derive(Serialize)]
    struct One<'a> {
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
        path: &'a str,
        fingerprint: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        suppressed: Option<&'a Suppressed>,
    }

    fn finding(n: usize, model: &Model) -> Finding {
        let duty = match n % 3 {
            0 => model.activities.first().map_or("x", |a| a.id.as_str()),
            1 => "not/in-the-model",
            _ => model.activities.last().map_or("x", |a| a.id.as_str()),
        };
        Finding {
            rule: Arc::from(if n.is_multiple_of(2) {
                "rule-a"
            } else {
                "rule-b"
            }),
            severity: [Severity::Error, Severity::Warning, Severity::Info][n % 3],
            message: format!("message {n} with \"quotes\", a \\ and a\ttab \u{1} é"),
            file_index: 0,
            file: Arc::from(if n < 4 { "a/x.yaml" } else { "b/\"odd\".yaml" }),
            span: crate::yaml::Span::new(n, n + 1),
            line: n + 1,
            column: 3,
            end_line: n + 2,
            end_column: 10,
            label: None,
            related: Vec::new(),
            resource: match n % 4 {
                0 => None,
                1 => Some(Arc::new(ResourceRef {
                    api_version: "v1".into(),
                    kind: "Pod".into(),
                    namespace: None,
                    name: Some("p".into()),
                })),
                _ => Some(Arc::new(ResourceRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    namespace: Some("ns".into()),
                    name: Some(format!("d{}", n / 3)),
                })),
            },
            responsibility: Arc::from(duty),
            // The same rule with another help once (a user rule's own message).
            help: Arc::from(if n == 5 { "other help" } else { "Do \"this\"." }),
            suppressed: match n % 5 {
                1 => Some(Suppressed {
                    kind: SuppressionKind::Comment,
                    reason: Some("why \"not\"".into()),
                }),
                3 => Some(Suppressed {
                    kind: SuppressionKind::Baseline,
                    reason: None,
                }),
                _ => None,
            },
            path: if n.is_multiple_of(2) {
                String::new()
            } else {
                "spec.x[0]".into()
            },
            fingerprint: format!("{n:016x}"),
        }
    }

    fn one<'a>(f: &'a Finding, model: &'a Model) -> One<'a> {
        One {
            rule: &f.rule,
            severity: f.severity,
            message: &f.message,
            file: &f.file,
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            resource: f.resource.as_deref(),
            responsibility: model.get(&f.responsibility).map(responsibility_of),
            help: &f.help,
            path: &f.path,
            fingerprint: &f.fingerprint,
            suppressed: f.suppressed.as_ref(),
        }
    }

    #[test]
    fn written_as_serde_writes_it() {
        let Ok(model) = Model::builtin() else {
            panic!("the built-in model reads");
        };
        let skipped = vec![crate::engine::Skipped {
            file: "s.yaml".into(),
            line: Some(3),
            kind: None,
            reason: "a reason".into(),
        }];
        // Past one piece and one window too: the pieces join as one array.
        for count in [0, 1, 12, PIECE + 1, WINDOW * 2 + 3] {
            for errors in [vec![], vec!["e1".to_string(), "e\"2".to_string()]] {
                let findings: Vec<Finding> = (0..count).map(|n| finding(n, &model)).collect();
                let suppressed = findings.iter().filter(|f| f.suppressed.is_some()).count();
                let summary = Summary {
                    files: 2,
                    resources: 7,
                    skipped_documents: 1,
                    errors: findings.len() - suppressed,
                    suppressed,
                    ..Summary::default()
                };
                let report = Report {
                    findings: (&findings).into(),
                    files: &[],
                    summary,
                    model: &model,
                    skipped: &skipped,
                    errors: &errors,
                    rules: &[],
                };
                let whole = Whole {
                    version: env!("CARGO_PKG_VERSION"),
                    summary: JsonSummary {
                        files: 2,
                        resources: 7,
                        skipped_documents: 1,
                        errors: summary.errors,
                        warnings: 0,
                        infos: 0,
                        suppressed,
                    },
                    findings: findings
                        .iter()
                        .filter(|f| f.suppressed.is_none())
                        .map(|f| one(f, &model))
                        .collect(),
                    suppressed: findings
                        .iter()
                        .filter(|f| f.suppressed.is_some())
                        .map(|f| one(f, &model))
                        .collect(),
                    skipped: skipped.iter().map(skipped_of).collect(),
                    errors: &errors,
                };
                let expected = serde_json::to_string_pretty(&whole).unwrap_or_default() + "\n";
                assert_eq!(render(&report), expected, "{count} findings");
            }
        }
    }
}
