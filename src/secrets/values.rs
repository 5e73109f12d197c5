//! Values that are stand-ins for a credential (`$(VAR)`, `<password>`, `REPLACE_ME`, prose,
//! embedded configuration of stand-ins) and literals that could be one.

use regex::Regex;
use std::sync::LazyLock;

/// A value that stands for something filled in later (`$(VAR)`, `${VAR}`, `{{ .x }}`,
/// `<password>`, `REPLACE_ME`, `...`), or points at a secret store (`arn:`, `vault:`).
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    (v.starts_with("$(") && v.ends_with(')'))
        || (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with("{{") && v.ends_with("}}"))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("ENC[") && v.ends_with(']'))
        // `$VAR`, `$__file{...}` (Grafana), `%(ENV)s`: read from elsewhere at run time.
        || (v.starts_with('$') && v.chars().nth(1).is_some_and(|c| c.is_ascii_alphabetic() || c == '_'))
        || v.starts_with("...")
        || (v.len() >= 4 && lower.chars().all(|c| c == 'x' || c == '*'))
        || ["insert", "replace", "your", "enter"]
            .iter()
            .any(|p| lower.starts_with(&format!("{p}_")) || lower.starts_with(&format!("{p}-")))
        || ["arn:", "vault:", "ref+", "projects/", "secretsmanager:", "azurekeyvault:"]
            .iter()
            .any(|p| lower.starts_with(p))
        // AWS documents its example credentials with an EXAMPLE marker.
        || v.contains("EXAMPLE")
        || is_prose_placeholder(&lower)
}

/// Words of the prose that documentation puts where a credential goes.
const PROSE_WORDS: &[&str] = &[
    "username",
    "user",
    "password",
    "pass",
    "secret",
    "token",
    "key",
    "api",
    "long",
    "and",
    "a",
    "random",
    "alphanumeric",
    "string",
    "your",
    "here",
    "change",
    "me",
    "changeme",
    "some",
    "value",
    "example",
    "placeholder",
    "replace",
    "with",
    "the",
    "strong",
    "generated",
    "put",
    "insert",
    "my",
    "of",
    "at",
    "least",
    "characters",
    "chars",
];

/// `username:password`, `long-and-random-alphanumeric-string`, `your-api-key-here`: two or
/// more words, every one of them prose of that kind (so `mysecretpassword` or
/// `hunter2-password` are still credentials).
fn is_prose_placeholder(lower: &str) -> bool {
    let words: Vec<&str> = lower.split(['-', '_', ':', ' ', '.']).collect();
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && PROSE_WORDS.contains(w))
}

/// Structured text (JSON, INI, `key=value` lines, PEM) whose every value is a stand-in:
/// `{"token": "<TOKEN>"}`, `access-key={Access Key}`, a PEM block with no body.
pub fn only_stand_ins(text: &str) -> bool {
    static JSON_PAIR: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r#""[^"]+"\s*:\s*("(?:[^"\\]|\\.)*"|[^,}\s]+)"#).ok());
    static LINE_PAIR: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?m)^\s*[A-Za-z0-9_.\- ]+?\s*[:=]\s*(.*?)\s*$").ok());
    let t = text.trim();
    if t.starts_with("-----BEGIN ") {
        // An empty PEM block: BEGIN and END lines and nothing between.
        return t
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("-----"))
            .all(|l| is_placeholder(l.trim()));
    }
    let re = if t.starts_with('{') {
        &JSON_PAIR
    } else {
        &LINE_PAIR
    };
    let Some(re) = re.as_ref() else { return false };
    let values: Vec<&str> = re
        .captures_iter(t)
        .filter_map(|c| c.get(1))
        .map(|v| v.as_str().trim().trim_matches(['"', '\'']).trim())
        .collect();
    !values.is_empty()
        && values
            .iter()
            .all(|v| v.is_empty() || is_placeholder(v) || (v.starts_with('{') && v.ends_with('}')))
}

/// Could this literal be a credential? Not empty, a placeholder, a number or boolean,
/// a path, or a plain URL.
pub fn is_literal_secret_value(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || is_placeholder(v) || v.starts_with('/') || v.starts_with("./") {
        return false;
    }
    if v.parse::<f64>().is_ok() || crate::yaml::resolve_plain(v) == crate::yaml::ScalarType::Bool {
        return false;
    }
    if v.contains("://") && !has_url_password(v) {
        return false;
    }
    true
}

pub(super) static URL_CREDS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9+.\-]*://([^/\s:@]*):([^/\s@]+)@[^\s@]").ok());

/// `postgres://app:hunter2@db:5432/app`: a URL carrying a password that is not a placeholder.
pub fn has_url_password(value: &str) -> bool {
    let Some(re) = URL_CREDS.as_ref() else {
        return false;
    };
    re.captures_iter(value).any(|c| {
        c.get(2)
            .map(|p| p.as_str())
            .is_some_and(|p| !is_placeholder(p) && !p.starts_with('$') && !p.starts_with('{'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_values() {
        assert!(is_literal_secret_value("hunter2"));
        assert!(!is_literal_secret_value("3600"));
        assert!(!is_literal_secret_value("true"));
        assert!(!is_literal_secret_value("/run/secrets/db"));
        assert!(!is_literal_secret_value("$(DB_PASSWORD)"));
        assert!(!is_literal_secret_value("https://vault.example.com"));
        assert!(is_literal_secret_value("https://u:p4ss@vault.example.com"));
        assert!(has_url_password("postgres://app:hunter2@db:5432/app"));
        assert!(!has_url_password(
            "postgres://app:$(DB_PASSWORD)@db:5432/app"
        ));
        assert!(!has_url_password("postgres://app@db:5432/app"));
        assert!(has_url_password("redis://:r3d1s@redis:6379/0"));
        assert!(!is_literal_secret_value("REPLACE_ME"));
        assert!(!is_literal_secret_value(
            "arn:aws:secretsmanager:eu-west-1:1:secret:db"
        ));
    }

    #[test]
    fn stand_ins_in_prose_and_embedded_config() {
        assert!(is_placeholder("username:password"));
        assert!(is_placeholder("long-and-random-alphanumeric-string"));
        assert!(!is_placeholder("mysecretpassword"));
        assert!(!is_placeholder("hunter2-password"));
        assert!(only_stand_ins(
            "{\"token\": \"<TOKEN>\", \"user\": \"<USER>\"}"
        ));
        assert!(!only_stand_ins(
            "{\"token\": \"9f8e7d6c5b4a\", \"user\": \"<USER>\"}"
        ));
        assert!(only_stand_ins(
            "access-key={Access Key}\nsecret-key={Secret Key}\n"
        ));
        assert!(!only_stand_ins("access-key=AKIAZZZZ\nsecret-key=abc123\n"));
        assert!(only_stand_ins(
            "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----\n"
        ));
        assert!(!only_stand_ins(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"
        ));
    }
}
