//! One file per check. A check is code with typed params; a rule file instantiates it.

use crate::rule::Factory;
use regex::Regex;
use std::sync::LazyLock;

mod cluster_admin_binding;
mod dangerous_capabilities;
pub mod deprecated_api_version;
mod host_namespaces;
mod host_network;
mod host_path_volume;
mod host_port;
mod image_latest_tag;
mod ingress_without_tls;
mod invalid_manifest;
mod invalid_yaml;
mod job_without_ttl;
mod missing_backup_policy;
mod missing_default_deny;
mod missing_network_policy;
mod missing_pod_disruption_budget;
mod missing_probe;
mod missing_resources;
mod missing_topology_spread;
mod network_policy_allows_all;
mod node_local_persistent_volume;
mod node_local_storage_class;
mod node_port_service;
mod pinned_to_node;
mod plaintext_secret;
mod privilege_escalation;
mod privileged_container;
mod rbac_wildcard;
mod rollout_disabled;
mod run_as_root;
mod secret_in_configmap;
mod secret_in_env_literal;
mod single_replica;
mod stateful_workload_without_persistent_volume;
mod suppression_without_reason;
mod unrestricted_load_balancer;
mod unused_suppression;
mod writable_root_filesystem;

/// Every check by name.
pub const CHECKS: &[(&str, Factory)] = &[
    ("rollout-disabled", rollout_disabled::build),
    ("deprecated-api-version", deprecated_api_version::build),
    ("job-without-ttl", job_without_ttl::build),
    ("missing-backup-policy", missing_backup_policy::build),
    (
        "missing-pod-disruption-budget",
        missing_pod_disruption_budget::build,
    ),
    ("missing-readiness-probe", missing_probe::readiness),
    ("missing-liveness-probe", missing_probe::liveness),
    ("missing-resource-requests", missing_resources::requests),
    ("missing-memory-limit", missing_resources::memory_limit),
    ("missing-topology-spread", missing_topology_spread::build),
    ("single-replica", single_replica::build),
    ("cluster-admin-binding", cluster_admin_binding::build),
    ("ingress-without-tls", ingress_without_tls::build),
    (
        "network-policy-allows-all",
        network_policy_allows_all::build,
    ),
    ("node-port-service", node_port_service::build),
    ("rbac-wildcard", rbac_wildcard::build),
    (
        "unrestricted-load-balancer",
        unrestricted_load_balancer::build,
    ),
    ("dangerous-capabilities", dangerous_capabilities::build),
    ("host-namespaces", host_namespaces::build),
    ("image-latest-tag", image_latest_tag::build),
    ("privilege-escalation", privilege_escalation::build),
    ("privileged-container", privileged_container::build),
    ("run-as-root", run_as_root::build),
    ("writable-root-filesystem", writable_root_filesystem::build),
    ("host-network", host_network::build),
    ("host-path-volume", host_path_volume::build),
    ("host-port", host_port::build),
    ("invalid-manifest", invalid_manifest::build),
    ("invalid-yaml", invalid_yaml::build),
    ("missing-default-deny", missing_default_deny::build),
    ("missing-network-policy", missing_network_policy::build),
    (
        "node-local-persistent-volume",
        node_local_persistent_volume::build,
    ),
    ("node-local-storage-class", node_local_storage_class::build),
    ("pinned-to-node", pinned_to_node::build),
    ("plaintext-secret", plaintext_secret::build),
    ("secret-in-configmap", secret_in_configmap::build),
    ("secret-in-env-literal", secret_in_env_literal::build),
    (
        "stateful-workload-without-persistent-volume",
        stateful_workload_without_persistent_volume::build,
    ),
    (
        "suppression-without-reason",
        suppression_without_reason::build,
    ),
    ("unused-suppression", unused_suppression::build),
];

pub fn factory(name: &str) -> Option<Factory> {
    CHECKS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// `` `a`, `b` `` for messages.
pub fn code_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|i| format!("`{}`", i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Words that make a name secret-like, and words that make it a reference instead
/// (`SECRET_NAME`, `TOKEN_TTL_SECONDS`, `PASSWORD_FILE`, `SECRETS_DIR`).
pub struct SecretNames {
    words: Vec<Vec<String>>,
    ignore: Vec<String>,
}

pub const DEFAULT_SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "token",
    "api key",
    "private key",
    "encryption key",
    "signing key",
    "master key",
    "credential",
    "credentials",
    "creds",
    "bearer",
];

pub const DEFAULT_IGNORE_WORDS: &[&str] = &[
    "name",
    "names",
    "file",
    "files",
    "path",
    "dir",
    "directory",
    "ttl",
    "seconds",
    "timeout",
    "length",
    "len",
    "size",
    "ref",
    "id",
    "url",
    "uri",
    "endpoint",
    "type",
    "enabled",
    "enable",
    "disabled",
    "mode",
    "header",
    "expiry",
    "expiration",
    "lifetime",
    "audience",
    "issuer",
    "policy",
    "format",
    "version",
    "count",
    "max",
    "min",
    "location",
    "mount",
    "field",
    "namespace",
    "selector",
    "prefix",
    "suffix",
    "provider",
    "algorithm",
    "kind",
    "template",
    "interval",
    "rotation",
    "complexity",
    "hasher",
    "hash",
    "algo",
    "store",
    "refresh",
    "strength",
    "backend",
    "method",
    "duration",
    "period",
    "schedule",
    "days",
    "hours",
    "minutes",
];

impl SecretNames {
    pub fn new(words: Option<Vec<String>>, ignore: Option<Vec<String>>) -> SecretNames {
        let words =
            words.unwrap_or_else(|| DEFAULT_SECRET_WORDS.iter().map(|s| s.to_string()).collect());
        let ignore =
            ignore.unwrap_or_else(|| DEFAULT_IGNORE_WORDS.iter().map(|s| s.to_string()).collect());
        SecretNames {
            words: words
                .iter()
                .map(|w| {
                    w.split_whitespace()
                        .map(|p| p.to_ascii_lowercase())
                        .collect()
                })
                .filter(|w: &Vec<String>| !w.is_empty())
                .collect(),
            ignore: ignore.iter().map(|w| w.to_ascii_lowercase()).collect(),
        }
    }

    pub fn from_params(p: &crate::rule::Params) -> Result<SecretNames, String> {
        Ok(SecretNames::new(
            p.str_list("words")?,
            p.str_list("ignore_words")?,
        ))
    }

    /// `DB_PASSWORD`, `apiKey`, `client-secret` are secret-like; `SECRETS_DIR` is not.
    pub fn is_secret_like(&self, name: &str) -> bool {
        let tokens = tokenize(name);
        if tokens.iter().any(|t| self.ignore.contains(t)) {
            return false;
        }
        self.words.iter().any(|w| {
            let joined = w.concat();
            // `pass` is a word of its own only at the end (`REDIS_PASS`, not `PASS_THROUGH`).
            if joined == "pass" {
                return tokens.last() == Some(&joined);
            }
            // Whole words, and words glued to a prefix or a number: `PGPASSWORD`, `HTPASSWD`,
            // `PASSWORD1`, `clientsecret`.
            // Plurals of the nouns that are never counts: `GITLAB_SECRETS_DB_KEY_BASE`.
            let plural = matches!(
                joined.as_str(),
                "secret" | "password" | "credential" | "passphrase"
            );
            tokens.iter().any(|t| {
                t.strip_suffix(joined.as_str()).is_some()
                    || (plural
                        && t.strip_suffix('s')
                            .and_then(|t| t.strip_suffix(joined.as_str()))
                            .is_some())
                    || t.strip_prefix(joined.as_str())
                        .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
            }) || (w.len() > 1 && tokens.windows(w.len()).any(|win| win == w.as_slice()))
        })
    }

    /// Is `value` a stand-in rather than a credential, given the variable's name?
    /// `HF_TOKEN: HF_TOKEN`, `API_KEY: GOOGLE_API_KEY_VAL`, `DB_PASSWORD_SECRET: db-credentials`.
    pub fn is_stand_in(&self, name: &str, value: &str) -> bool {
        let v = value.trim();
        let upper_ident = !v.is_empty()
            && v.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && v.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if upper_ident && (self.is_secret_like(v) || v.eq_ignore_ascii_case(name)) {
            return true;
        }
        // A name ending in `secret`/`creds` whose value names a Secret object
        // (`db-credentials`, `pg-secret`): a reference, unlike `3e9c7a51-0b2d-...`.
        let last = tokenize(name).pop().unwrap_or_default();
        let object_name = v
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && v.split(['-', '.']).any(|w| {
                matches!(
                    w,
                    "secret"
                        | "secrets"
                        | "cred"
                        | "creds"
                        | "credentials"
                        | "password"
                        | "passwords"
                        | "token"
                        | "tokens"
                        | "key"
                        | "keys"
                        | "auth"
                )
            });
        matches!(
            last.as_str(),
            "secret" | "secrets" | "creds" | "credentials"
        ) && object_name
    }
}

/// Split `DB_PASSWORD`, `apiKey`, `client-secret.txt` into lower-case words.
pub fn tokenize(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

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

static URL_CREDS: LazyLock<Option<Regex>> =
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
    fn secret_like_names() {
        let n = SecretNames::new(None, None);
        for yes in [
            "DB_PASSWORD",
            "password",
            "apiKey",
            "API_KEY",
            "GITHUB_TOKEN",
            "client-secret",
            "AWS_SECRET_ACCESS_KEY",
            "PRIVATE_KEY",
            "privateKey",
            "REDIS_PASS",
            "PGPASSWORD",
            "HTPASSWD",
            "PASSWORD1",
            "ENCRYPTION_KEY",
        ] {
            assert!(n.is_secret_like(yes), "{yes}");
        }
        for no in [
            "SECRETS_DIR",
            "PASSWORD_FILE",
            "TOKEN_TTL_SECONDS",
            "SECRET_NAME",
            "LOG_LEVEL",
            "BYPASS_CACHE",
            "KEY",
            "secretName",
            "API_URL",
            "PASS_THROUGH",
            "TOKEN_REFRESH_INTERVAL",
            "PASSWORD_HASHER",
        ] {
            assert!(!n.is_secret_like(no), "{no}");
        }
        assert!(n.is_stand_in("HF_TOKEN", "HF_TOKEN"));
        assert!(n.is_stand_in("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL"));
        assert!(n.is_stand_in("DB_PASSWORD_SECRET", "db-credentials"));
        assert!(!n.is_stand_in("DB_PASSWORD", "hunter2"));
        assert!(!n.is_stand_in("CLIENT_SECRET", "s3cr3t"));
    }

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
}

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

/// Standard base64 (padding optional, whitespace ignored); None when it is not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    // Padded standard base64, as the API server decodes Secret `data`; line breaks ignored.
    let body: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    let pad = body.iter().rev().take_while(|b| **b == b'=').count();
    if !body.len().is_multiple_of(4) || pad > 2 || body.iter().rev().skip(pad).any(|b| *b == b'=') {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod credential_tests {
    use super::*;

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

#[cfg(test)]
mod stand_in_tests {
    use super::*;

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
