//! Everything written about rules is generated here from their metadata: `onus rules`,
//! `onus explain`, `onus responsibilities`, the README table and docs/rules.md.

use crate::cli::ListFormat;
use crate::model::{Activity, Model};
use crate::report::wrap;
use crate::rule::Rule;
use serde_json::json;

fn quote(a: &Activity, model: &Model) -> String {
    a.quote(&model.provider)
}

pub fn rules(rules: &[Rule], format: ListFormat) -> String {
    match format {
        ListFormat::Json => {
            let v: Vec<_> = rules
                .iter()
                .map(|r| {
                    json!({"id": r.id, "severity": r.severity, "enabled": r.enabled,
                           "responsibility": r.responsibility, "summary": r.summary})
                })
                .collect();
            pretty(&v)
        }
        ListFormat::Markdown => {
            let mut out = String::from(
                "| rule | severity | responsibility | what it flags |\n|---|---|---|---|\n",
            );
            for r in rules {
                out.push_str(&format!(
                    "| `{}` | {}{} | {} | {} |\n",
                    r.id,
                    r.severity,
                    if r.enabled { "" } else { " (off)" },
                    r.responsibility,
                    r.summary.replace('|', "\\|")
                ));
            }
            out
        }
        ListFormat::Human => {
            let w = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            let rw = rules
                .iter()
                .map(|r| r.responsibility.len())
                .max()
                .unwrap_or(0);
            let mut out = String::new();
            for r in rules {
                out.push_str(&format!(
                    "{:<w$}  {:<7}  {:<rw$}  {}{}\n",
                    r.id,
                    r.severity.as_str(),
                    r.responsibility,
                    r.summary,
                    if r.enabled { "" } else { " (off by default)" },
                ));
            }
            out
        }
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn explain(rule: &Rule, model: &Model, format: ListFormat) -> String {
    let activity = model.get(&rule.responsibility);
    match format {
        ListFormat::Json => pretty(&json!({
            "id": rule.id, "severity": rule.severity, "enabled": rule.enabled,
            "summary": rule.summary, "rationale": rule.rationale, "remediation": rule.remediation,
            "responsibility": activity.map(|a| json!({"id": a.id, "section": a.section,
                "activity": a.activity, "customer": a.customer, "provider": a.provider})),
            "examples": {"fail": rule.example_fail, "pass": rule.example_pass},
        })),
        ListFormat::Markdown => {
            let mut out = format!(
                "## `{}`\n\n**{}**{} · {}\n\n{}\n\n",
                rule.id,
                rule.severity,
                if rule.enabled {
                    ""
                } else {
                    " (off by default)"
                },
                rule.summary,
                rule.rationale
            );
            if let Some(a) = activity {
                out.push_str(&format!("**Responsibility** {}\n\n", quote(a, model)));
            }
            out.push_str(&format!("**How to fix.** {}\n\n", rule.remediation));
            if let Some(f) = &rule.example_fail {
                out.push_str(&format!("Flagged:\n\n```yaml\n{}```\n\n", ensure_nl(f)));
            }
            if let Some(p) = &rule.example_pass {
                out.push_str(&format!("Not flagged:\n\n```yaml\n{}```\n\n", ensure_nl(p)));
            }
            out
        }
        ListFormat::Human => {
            let mut out = format!(
                "{} ({}{})\n{}\n\n",
                rule.id,
                rule.severity,
                if rule.enabled { "" } else { ", off by default" },
                rule.summary
            );
            if let Some(a) = activity {
                out.push_str(&wrap(&quote(a, model), 90, "Why: ", "     "));
                out.push_str("\n\n");
            }
            out.push_str(&rule.rationale);
            out.push_str("\n\nHow to fix:\n");
            out.push_str(&indent(&rule.remediation, "  "));
            out.push('\n');
            if let Some(params) = params_text(rule) {
                out.push_str(&format!(
                    "\nCheck `{}` with params (override them in .onus.yaml: `params: {{{}: {{...}}}}`):\n{}\n",
                    rule.check_name,
                    rule.id,
                    indent(params.trim_end(), "  ")
                ));
            }
            if let Some(f) = &rule.example_fail {
                out.push_str(&format!("\nFlagged:\n{}\n", indent(f.trim_end(), "  ")));
            }
            if let Some(p) = &rule.example_pass {
                out.push_str(&format!("\nNot flagged:\n{}\n", indent(p.trim_end(), "  ")));
            }
            out
        }
    }
}

/// The `params` of the rule file as written, if it has any.
fn params_text(rule: &Rule) -> Option<String> {
    let stream = crate::yaml::parse(&rule.text);
    let root = stream
        .documents
        .first()
        .and_then(crate::yaml::NodeRef::root)?;
    let (k, v) = root.entry("params")?;
    if v.is_null() || (v.is_map() && v.entries().next().is_none()) {
        return None;
    }
    // From the start of the line of `params:` to the end of its value, dedented.
    let start = rule
        .text
        .get(..k.span().start)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let text = rule.text.get(start..v.span().end)?;
    Some(text.to_string())
}

fn ensure_nl(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn enforcing<'r>(rules: &'r [Rule], id: &str) -> Vec<&'r str> {
    rules
        .iter()
        .filter(|r| r.responsibility == id)
        .map(|r| r.id.as_str())
        .collect()
}

/// `enforced`, `not-checkable` or `no-rule-yet` (checkable, rules to come).
fn state(a: &Activity, rules: &[&str]) -> &'static str {
    if !rules.is_empty() {
        "enforced"
    } else if a.checkable {
        "no-rule-yet"
    } else {
        "not-checkable"
    }
}

/// Why an activity has no rule: its own reason, or that rules for it are yet to come.
fn status(a: &Activity, rules: &[&str]) -> String {
    if !rules.is_empty() {
        return rules.join(", ");
    }
    match &a.reason {
        Some(r) => format!("not checkable: {r}"),
        None => "checkable from manifests; no rule yet".into(),
    }
}

pub fn responsibilities(model: &Model, rules: &[Rule], format: ListFormat) -> String {
    match format {
        ListFormat::Json => {
            let v: Vec<_> = model
                .activities
                .iter()
                .map(|a| {
                    json!({"id": a.id, "section": a.section, "activity": a.activity,
                           "customer": a.customer, "provider": a.provider,
                           "checkable": a.checkable, "rules": enforcing(rules, &a.id),
                           "status": state(a, &enforcing(rules, &a.id)),
                           "reason": a.reason})
                })
                .collect();
            pretty(&v)
        }
        ListFormat::Markdown => {
            let mut out = format!(
                "| id | activity | customer | {} | enforced by |\n|---|---|---|---|---|\n",
                model.provider
            );
            for a in &model.activities {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    a.id,
                    a.activity,
                    a.customer,
                    a.provider,
                    status(a, &enforcing(rules, &a.id))
                ));
            }
            out
        }
        ListFormat::Human => {
            let mut out = String::new();
            let mut section = "";
            for a in &model.activities {
                if a.section != section {
                    section = &a.section;
                    out.push_str(&format!("\n{section}\n"));
                }
                out.push_str(&wrap(
                    &format!("{} — {} ({})", a.id, a.activity, a.roles(&model.provider)),
                    100,
                    "  ",
                    "      ",
                ));
                out.push('\n');
                out.push_str(&wrap(
                    &status(a, &enforcing(rules, &a.id)),
                    100,
                    "      → ",
                    "        ",
                ));
                out.push('\n');
            }
            out.trim_start().to_string()
        }
    }
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
