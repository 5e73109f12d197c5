//! rbac-wildcard: a Role or ClusterRole rule that grants `*` verbs, resources or API groups.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct RbacWildcard;

pub const CHECKS: &[(&str, Factory)] = &[("rbac-wildcard", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(RbacWildcard))
}

/// API groups whose resources are names served on the fly (metric names of a metrics
/// adapter): they cannot be listed ahead, so `*` resources with read verbs are the only way.
const DYNAMIC_GROUPS: &[&str] = &["custom.metrics.k8s.io", "external.metrics.k8s.io"];

impl Check for RbacWildcard {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        // An aggregated ClusterRole's rules are written by the controller from other roles.
        if res
            .root
            .get("aggregationRule")
            .is_some_and(|a| !a.is_null())
        {
            return;
        }
        for rule in res.root.get("rules").into_iter().flat_map(|r| r.items()) {
            let strings = |key: &str| -> Vec<&str> {
                rule.get(key)
                    .into_iter()
                    .flat_map(|v| v.items())
                    .filter_map(|i| i.as_str())
                    .collect()
            };
            let groups = strings("apiGroups");
            let verbs = strings("verbs");
            let metric_names = !groups.is_empty()
                && groups.iter().all(|g| DYNAMIC_GROUPS.contains(g))
                && verbs.iter().all(|v| matches!(*v, "get" | "list" | "watch"));
            let mut wild = Vec::new();
            for key in ["verbs", "resources", "apiGroups"] {
                if key == "resources" && metric_names {
                    continue;
                }
                if let Some((k, v)) = rule.entry(key)
                    && v.items().any(|i| i.as_str() == Some("*"))
                {
                    wild.push((key, k.span().to(v.span())));
                }
            }
            // One finding per rule, at its first wildcard in the text, naming them all.
            wild.sort_by_key(|(_, span)| span.start);
            let Some(&(_, span)) = wild.first() else {
                continue;
            };
            let keys: Vec<&str> = wild.iter().map(|(k, _)| *k).collect();
            let every: Vec<&str> = keys
                .iter()
                .map(|k| match *k {
                    "verbs" => "verb",
                    "resources" => "resource",
                    _ => "API group",
                })
                .collect();
            out.push(
                Hit::new(
                    span,
                    format!("{} grants `*` {}", res.display(), keys.join(" and ")),
                )
                .label(format!(
                    "every {}, including the ones added later",
                    every.join(", every ")
                )),
            );
        }
    }
}
