//! Names that say a value is secret (`DB_PASSWORD`, `apiKey`, `client-secret`), and the
//! words that make such a name a reference instead (`SECRET_NAME`, `PASSWORD_FILE`).

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
}
