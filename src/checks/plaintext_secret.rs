//! plaintext-secret: a Secret committed with its values (base64 is encoding, not encryption).

use crate::object::Resource;
use crate::rule::code_list;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::secrets::{base64_decode, is_placeholder, only_stand_ins};

struct PlaintextSecret;

/// A value worth protecting: not empty, not a placeholder, not a public certificate;
/// in `data`, only what decodes as base64 (the API server rejects the rest anyway).
fn is_sensitive(field: &str, value: &str) -> bool {
    if value.trim().is_empty() || is_placeholder(value) {
        return false;
    }
    // Text under `data` that is not base64 is plain text (invalid-manifest reports the encoding).
    let plain = match base64_decode(value).filter(|_| field == "data") {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => value.to_string(),
    };
    let t = plain.trim_start();
    // Embedded configuration whose values are all stand-ins holds nothing to protect.
    if (t.contains('\n') || t.starts_with('{')) && only_stand_ins(t) {
        return false;
    }
    !t.starts_with("-----BEGIN CERTIFICATE-----") || t.contains("PRIVATE KEY")
}

pub const CHECKS: &[(&str, Factory)] = &[("plaintext-secret", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(PlaintextSecret))
}

impl Check for PlaintextSecret {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.is("", "Secret") {
            return;
        }
        // A SOPS-encrypted file carries its metadata in a top-level `sops` key.
        if res.root.get("sops").is_some() {
            return;
        }
        for field in ["stringData", "data"] {
            let Some((k, v)) = res.root.entry(field) else {
                continue;
            };
            let keys: Vec<&str> = v
                .entries()
                .filter(|(_, val)| val.as_str().is_some_and(|s| is_sensitive(field, s)))
                .filter_map(|(key, _)| key.as_str())
                .collect();
            if keys.is_empty() {
                continue;
            }
            let encoded = field == "data"
                && v.entries()
                    .filter_map(|(_, val)| val.as_str())
                    .all(|s| base64_decode(s).is_some());
            let how = if encoded {
                "base64-encoded, not encrypted"
            } else {
                "in plain text"
            };
            let shown = code_list(keys.get(..4).unwrap_or(&keys));
            let more = if keys.len() > 4 {
                format!(" and {} more", keys.len() - 4)
            } else {
                String::new()
            };
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!(
                        "{} is committed with {} {} ({}{more})",
                        res.display(),
                        if keys.len() == 1 { "a value" } else { "values" },
                        how,
                        shown
                    ),
                )
                .label(format!("`{field}`: readable by anyone with the repository")),
            );
        }
    }
}
