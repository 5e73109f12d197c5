//! Kubernetes minor releases, as `--kube-version`, `.onus.yaml` and the deprecated-API table
//! write them.

/// A Kubernetes minor release, `1.25` → (1, 25); tuples compare as releases do.
pub type KubeVersion = (u32, u32);

/// `1.25`, `v1.25.3` → (1, 25); anything else → None.
pub fn parse_version(s: &str) -> Option<KubeVersion> {
    let s = s.trim().trim_start_matches('v');
    let (major, minor) = s.split_once('.')?;
    let minor = minor.split('.').next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// (1, 25) → `1.25`.
pub fn show((a, b): KubeVersion) -> String {
    format!("{a}.{b}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_compare() {
        assert_eq!(parse_version("v1.25.3"), Some((1, 25)));
        assert!(parse_version("1.9") < parse_version("1.16"));
        assert_eq!(parse_version("latest"), None);
        assert_eq!(show((1, 34)), "1.34");
    }
}
