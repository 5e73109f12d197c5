//! Known credential formats (private keys, cloud and forge tokens, JWTs, URLs with a
//! password), found inside any value.

use super::values::{URL_CREDS, has_url_password};
use regex::Regex;
use std::sync::LazyLock;

struct Pattern {
    what: &'static str,
    re: Regex,
}

static CREDENTIALS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    [
        (
            "a private key",
            r"-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----",
        ),
        ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        (
            "a GitHub token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b",
        ),
        ("a GitLab token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
        ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"),
        (
            "a JSON Web Token",
            r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        ),
    ]
    .into_iter()
    .filter_map(|(what, re)| Regex::new(re).ok().map(|re| Pattern { what, re }))
    .collect()
});

/// The kind of credential a value holds and the matched text, if any.
pub fn find_credential(value: &str) -> Option<(&'static str, &str)> {
    for p in CREDENTIALS.iter() {
        // AWS documents its example keys with an EXAMPLE suffix.
        if let Some(m) =
            p.re.find_iter(value)
                .find(|m| !m.as_str().ends_with("EXAMPLE"))
        {
            return Some((p.what, m.as_str()));
        }
    }
    let re = URL_CREDS.as_ref()?;
    if has_url_password(value) {
        return re
            .find(value)
            .map(|m| ("a URL with a password", m.as_str()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::base64_decode;

    #[test]
    fn credentials_are_recognised() {
        assert_eq!(
            find_credential("-----BEGIN RSA PRIVATE KEY-----\nabc").map(|c| c.0),
            Some("a private key")
        );
        assert!(find_credential("-----BEGIN CERTIFICATE-----").is_none());
        assert!(find_credential("AKIAIOSFODNN7EXAMPLE").is_none());
        assert!(find_credential("key=AKIAIOSFODNN7ABCDEFG").is_some());
        assert!(find_credential("ghp_0123456789abcdefghijABCDEFGHIJ012345").is_some());
        assert!(find_credential("amqp://guest:guest@rabbit:5672/").is_some());
        assert!(find_credential("LOG_LEVEL=debug").is_none());
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert!(base64_decode("not base64!").is_none());
        assert!(
            base64_decode("hunter2").is_none(),
            "no padding: the API rejects it"
        );
        assert!(base64_decode("YWRtaW4=").is_some());
    }
}
