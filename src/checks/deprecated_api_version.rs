//! deprecated-api-version: an object written in an API version that the target Kubernetes
//! release removed (error) or deprecated (warning), from the table in
//! `data/deprecated-apis.yaml`; the target is `--kube-version` / `kube-version`, else the
//! newest release the table covers.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::version::{KubeVersion as Version, parse_version, show};
use crate::yaml::{self, NodeRef};

const TABLE: &str = include_str!("../../data/deprecated-apis.yaml");

struct Api {
    api_version: String,
    kinds: Vec<String>,
    deprecated: Version,
    removed: Option<Version>,
    replacement: String,
}

struct DeprecatedApiVersion {
    newest: Version,
    apis: Vec<Api>,
}

fn load() -> Result<DeprecatedApiVersion, String> {
    let stream = yaml::parse(TABLE);
    let root = stream
        .documents
        .first()
        .and_then(NodeRef::root)
        .ok_or("the deprecated API table is empty")?;
    let text = |n: NodeRef, k: &str| n.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let version = |n: NodeRef, k: &str| -> Result<Option<Version>, String> {
        match n.get(k).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(parse_version)
                .map(Some)
                .ok_or_else(|| format!("`{k}` is not a version")),
        }
    };
    let newest = version(root, "newest")?.ok_or("the table names no `newest` release")?;
    let mut apis = Vec::new();
    for a in root.get("apis").into_iter().flat_map(|l| l.items()) {
        apis.push(Api {
            api_version: text(a, "apiVersion").ok_or("an entry without apiVersion")?,
            kinds: a
                .get("kinds")
                .into_iter()
                .flat_map(|k| k.items())
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
            deprecated: version(a, "deprecated")?.ok_or("an entry without `deprecated`")?,
            removed: version(a, "removed")?,
            replacement: text(a, "replacement").ok_or("an entry without replacement")?,
        });
    }
    Ok(DeprecatedApiVersion { newest, apis })
}

pub const CHECKS: &[(&str, Factory)] = &[("deprecated-api-version", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(load()?))
}

impl Check for DeprecatedApiVersion {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let target = cx.kube_version.unwrap_or(self.newest);
        let Some(api) = self
            .apis
            .iter()
            .find(|a| a.api_version == res.api_version && a.kinds.iter().any(|k| k == res.kind))
        else {
            return;
        };
        if target < api.deprecated {
            return;
        }
        // Blame the `apiVersion: ...` entry (a List item may have lent it: then the object).
        let span = res
            .root
            .entry("apiVersion")
            .map_or_else(|| res.name_span(), |(k, v)| k.span().to(v.span()));
        let (message, label) = match api.removed {
            Some(removed) if target >= removed => (
                format!(
                    "{} uses {}, which Kubernetes {} no longer serves (removed in {}): use {}",
                    res.display(),
                    api.api_version,
                    show(target),
                    show(removed),
                    api.replacement
                ),
                format!("removed in {}: the API server rejects it", show(removed)),
            ),
            Some(removed) => (
                format!(
                    "{} uses {}, deprecated since Kubernetes {} and removed in {}: use {}",
                    res.display(),
                    api.api_version,
                    show(api.deprecated),
                    show(removed),
                    api.replacement
                ),
                format!("deprecated: the upgrade to {} breaks it", show(removed)),
            ),
            None => (
                format!(
                    "{} uses {}, deprecated since Kubernetes {}: use {}",
                    res.display(),
                    api.api_version,
                    show(api.deprecated),
                    api.replacement
                ),
                "deprecated: a later release may remove it".to_string(),
            ),
        };
        let removed_now = api.removed.is_some_and(|r| target >= r);
        let mut hit = Hit::new(span, message).label(label);
        if !removed_now {
            // A deprecation is a warning; the rule's severity (error) is for removals.
            hit = hit.severity(crate::finding::Severity::Warning);
        }
        out.push(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_and_versions_compare() {
        let t = load().unwrap();
        assert!(t.apis.len() > 25);
        assert!(
            t.apis
                .iter()
                .all(|a| a.removed.is_none_or(|r| r > a.deprecated))
        );
    }
}
