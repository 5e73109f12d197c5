//! secret-in-configmap: credentials kept in a ConfigMap, which is never encrypted.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::secrets::{SecretNames, base64_decode, find_credential, is_literal_secret_value};
use crate::yaml::Span;

struct SecretInConfigMap {
    names: SecretNames,
}

pub const CHECKS: &[(&str, Factory)] = &[("secret-in-configmap", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["words", "ignore_words"])?;
    Ok(Box::new(SecretInConfigMap {
        names: SecretNames::from_params(p)?,
    }))
}

/// Files whose `key: value` lines are settings: not source code (`token = os.getenv(...)`),
/// nor nsswitch.conf, whose `passwd:` line names a database.
fn config_file(key: &str) -> bool {
    let ext = key.rsplit_once('.').map_or("", |(_, e)| e);
    !matches!(
        ext,
        "py" | "js" | "ts" | "sh" | "bash" | "rb" | "go" | "java" | "lua" | "pl" | "php" | "rs"
    ) && key != "nsswitch.conf"
}

/// `app.properties`, `tls.key.pem`: a key naming an embedded file, not a setting.
fn is_file_name(key: &str) -> bool {
    key.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

impl SecretInConfigMap {
    /// The first `key = value` / `key: value` line of an embedded config file that sets a
    /// secret-like key to a literal: (`spring.datasource.password`, the line).
    fn embedded<'v>(&self, value: &'v str) -> Option<(&'v str, &'v str)> {
        value.lines().find_map(|line| {
            let t = line.trim();
            if t.starts_with(['#', ';', '!', '/', '[', '-']) {
                return None;
            }
            let sep = t.find(['=', ':'])?;
            let (k, v) = (t.get(..sep)?.trim(), t.get(sep + 1..)?.trim());
            let k = k.trim_start_matches("export ").trim();
            let v = v.trim_matches(['"', '\'']);
            if v.contains(['(', '[', '{']) {
                return None;
            }
            let ident = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            (ident
                && self.names.is_secret_like(k)
                && is_literal_secret_value(v)
                && !self.names.is_stand_in(k, v))
            .then_some((k, t))
        })
    }
}

impl Check for SecretInConfigMap {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.is("", "ConfigMap") {
            return;
        }
        let text = res.root.text();
        for field in ["data", "binaryData"] {
            for (k, v) in res.root.get(field).iter().flat_map(|d| d.entries()) {
                let Some(key) = k.as_str() else { continue };
                let Some(raw) = v.as_str() else { continue };
                let decoded;
                let value = if field == "binaryData" {
                    decoded = base64_decode(raw)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    decoded.as_str()
                } else {
                    raw
                };
                if let Some((kind, matched)) = find_credential(value) {
                    // Point at the credential itself when it stands verbatim in the source.
                    let vspan = v.span();
                    let span = text
                        .get(vspan.start..vspan.end)
                        .and_then(|src| src.find(matched))
                        .map(|at| Span::new(vspan.start + at, vspan.start + at + matched.len()))
                        .unwrap_or(k.span());
                    let mut hit = Hit::new(
                        k.span(),
                        format!("key `{key}` of {} holds {kind}", res.display()),
                    )
                    .label(format!("{kind}, stored unencrypted"));
                    if span != k.span() {
                        hit = hit.related(span, "here");
                    }
                    out.push(hit);
                } else if field == "data" {
                    let (stem, file) = match key.rsplit_once('.') {
                        Some((stem, _)) if is_file_name(key) => (stem, true),
                        _ => (key, false),
                    };
                    let one_line = !value.trim().contains('\n');
                    if self.names.is_secret_like(stem)
                        && (!file || one_line)
                        && is_literal_secret_value(value)
                        && !self.names.is_stand_in(stem, value)
                    {
                        out.push(
                            Hit::new(
                                k.span(),
                                format!("key `{key}` of {} looks like a secret", res.display()),
                            )
                            .label("a secret-like setting with a literal value"),
                        );
                    } else if let Some((setting, line)) =
                        self.embedded(value).filter(|_| config_file(key))
                    {
                        // A config file with a password line: point at that line too.
                        let vspan = v.span();
                        let mut hit = Hit::new(
                            k.span(),
                            format!("key `{key}` of {} sets `{setting}` in clear", res.display()),
                        )
                        .label("a configuration file with a credential in it");
                        if let Some(at) =
                            text.get(vspan.start..vspan.end).and_then(|t| t.find(line))
                        {
                            let start = vspan.start + at;
                            hit = hit.related(Span::new(start, start + line.len()), "here");
                        }
                        out.push(hit);
                    }
                }
            }
        }
    }
}
