//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub `upload-sarif` and others).
//! One `reportingDescriptor` per rule of the run, results with 1-based regions (the end
//! column one past the end, columns in code points), fingerprints and suppressions.

use super::Report;
use crate::finding::{Finding, Severity};
use crate::suppress::SuppressionKind;
use serde::Serialize;
use serde_json::{Value, json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI for a path as the user gave it: `/` separators, the rest escaped.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn result(r: &Report, f: &Finding, index: Option<usize>) -> Value {
    let mut res = json!({
        "ruleId": &*f.rule,
        "level": level(f.severity),
        "message": {"text": format!("{} (help: {})", f.message, f.help)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&f.file), "uriBaseId": "%SRCROOT%"},
                "region": {
                    "startLine": f.line.max(1),
                    "startColumn": f.column.max(1),
                    "endLine": f.end_line.max(f.line).max(1),
                    "endColumn": f.end_column.max(1),
                }
            }
        }],
        "partialFingerprints": {"onus/v1": f.fingerprint},
        "properties": {"responsibility": &*f.responsibility, "path": f.path},
    });
    if let (Some(i), Some(obj)) = (index, res.as_object_mut()) {
        obj.insert("ruleIndex".into(), json!(i));
    }
    if let Some(s) = &f.suppressed {
        let kind = match s.kind {
            SuppressionKind::Comment | SuppressionKind::Annotation => "inSource",
            SuppressionKind::Config | SuppressionKind::Baseline => "external",
        };
        let mut sup = json!({"kind": kind, "status": "accepted"});
        if let (Some(reason), Some(obj)) = (&s.reason, sup.as_object_mut()) {
            obj.insert("justification".into(), json!(reason));
        }
        if let Some(obj) = res.as_object_mut() {
            obj.insert("suppressions".into(), json!([sup]));
        }
    }
    let _ = r;
    res
}

/// Write the SARIF log as it is serialised: results one by one.
pub fn write(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Value> = r
        .rules
        .iter()
        .map(|rule| {
            let a = r.model.get(&rule.responsibility);
            let mut props = json!({
                "responsibility": rule.responsibility,
                "tags": ["kubernetes", rule.responsibility.split('/').next().unwrap_or("")],
            });
            if let (Some(a), Some(obj)) = (a, props.as_object_mut()) {
                obj.insert("section".into(), json!(a.section));
                obj.insert("activity".into(), json!(a.activity));
                obj.insert("customer".into(), json!(a.customer));
                obj.insert("provider".into(), json!(a.provider));
            }
            let why = a
                .map(|a| format!("\n\nResponsibility {}", a.quote(&r.model.provider)))
                .unwrap_or_default();
            let mut d = json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.rationale.trim()},
                "help": {
                    "text": format!("{}{why}", rule.remediation.trim()),
                    "markdown": format!("{}{why}\n\n`onus explain {}` tells more.", rule.remediation.trim(), rule.id),
                },
                "defaultConfiguration": {"level": level(rule.severity)},
                "properties": props,
            });
            let repo = env!("CARGO_PKG_REPOSITORY");
            // Only onus's own rules have a page in its docs.
            if !repo.is_empty()
                && crate::registry::is_builtin(rule)
                && let Some(obj) = d.as_object_mut()
            {
                obj.insert(
                    "helpUri".into(),
                    json!(format!("{repo}/blob/main/docs/rules/{}.md", rule.id)),
                );
            }
            d
        })
        .collect();
    let notifications: Vec<Value> = r
        .errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": e}}))
        .collect();
    // Keys in the order serde_json's maps print them (sorted), as before results streamed.
    let log = Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations: json!([{
                "executionSuccessful": r.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }]),
            original_uri_base_ids: json!({"%SRCROOT%": {"uri": "./"}}),
            results: Results(r),
            tool: json!({"driver": {
                "name": "onus",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://kubernetes.io/docs/concepts/security/",
                "rules": rules,
            }}),
        }],
        version: "2.1.0",
    };
    super::write_json(&log, out)
}

/// The SARIF log as a string (tests and the fuzz checks read it whole).
pub fn render(r: &Report) -> String {
    super::json_to_string(r, write)
}

#[derive(Serialize)]
struct Log<'a, 'r> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a, 'r>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a, 'r> {
    column_kind: &'static str,
    invocations: Value,
    original_uri_base_ids: Value,
    results: Results<'a, 'r>,
    tool: Value,
}

/// The results, serialised one by one as they are written: never all in memory.
struct Results<'a, 'r>(&'r Report<'a>);

impl Serialize for Results<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let r = self.0;
        let mut seq = s.serialize_seq(None)?;
        for f in r.findings.iter() {
            let rule = r.rules.iter().position(|rule| *rule.id == *f.rule);
            seq.serialize_element(&result(r, &f, rule))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(uri("./deploy/my app.yaml"), "deploy/my%20app.yaml");
        assert_eq!(uri("a\\b.yaml"), "a/b.yaml");
    }
}
