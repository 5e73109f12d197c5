//! secret-in-configmap: credentials kept in a ConfigMap, which is never encrypted.

use super::{SecretNames, base64_decode, find_credential, is_literal_secret_value};
use crate::object::Resource;
use crate::rule::{Check, Cx, Hit, Params};
use crate::yaml::Span;

struct SecretInConfigMap {
    names: SecretNames,
}

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["words", "ignore_words"])?;
    Ok(Box::new(SecretInConfigMap {
        names: SecretNames::from_params(p)?,
    }))
}

/// `app.properties`, `tls.key.pem`: a key naming an embedded file, not a setting.
fn is_file_name(key: &str) -> bool {
    key.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

impl Check for SecretInConfigMap {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.is("", "ConfigMap") {
            return;
        }
        let text = cx
            .files
            .get(res.file)
            .map(|f| f.text.as_ref())
            .unwrap_or("");
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
                } else if field == "data"
                    && !is_file_name(key)
                    && self.names.is_secret_like(key)
                    && is_literal_secret_value(value)
                    && !self.names.is_stand_in(key, value)
                {
                    out.push(
                        Hit::new(
                            k.span(),
                            format!("key `{key}` of {} looks like a secret", res.display()),
                        )
                        .label("a secret-like setting with a literal value"),
                    );
                }
            }
        }
    }
}
