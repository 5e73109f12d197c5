//! cluster-admin-binding: a RoleBinding or ClusterRoleBinding that gives `cluster-admin` to
//! a subject other than a `system:` user or group.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct ClusterAdminBinding;

pub const CHECKS: &[(&str, Factory)] = &[("cluster-admin-binding", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(ClusterAdminBinding))
}

/// The system's own subjects (`system:masters`, `system:kube-controller-manager`) hold it by
/// design. Not the groups that are everyone (`system:authenticated`, `system:anonymous`,
/// every service account) nor a service account written as a user: those are workloads and
/// people.
fn system_subject(name: &str) -> bool {
    let everyone = matches!(
        name,
        "system:authenticated" | "system:unauthenticated" | "system:anonymous"
    ) || name == "system:serviceaccounts"
        || name.starts_with("system:serviceaccounts:")
        || name.starts_with("system:serviceaccount:");
    name.starts_with("system:") && !everyone
}

impl Check for ClusterAdminBinding {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some((k, role)) = res.root.entry("roleRef") else {
            return;
        };
        if role.get("name").and_then(|n| n.as_str()) != Some("cluster-admin")
            || role.get("kind").and_then(|n| n.as_str()) != Some("ClusterRole")
        {
            return;
        }
        let subjects: Vec<String> = res
            .root
            .get("subjects")
            .into_iter()
            .flat_map(|s| s.items())
            .filter_map(|s| {
                let kind = s.get("kind").and_then(|k| k.as_str()).unwrap_or("?");
                let name = s.get("name").and_then(|n| n.as_str()).unwrap_or("?");
                if matches!(kind, "User" | "Group") && system_subject(name) {
                    return None;
                }
                Some(match s.get("namespace").and_then(|n| n.as_str()) {
                    Some(ns) => format!("{kind} {ns}/{name}"),
                    None => format!("{kind} {name}"),
                })
            })
            .collect();
        if subjects.is_empty() {
            return;
        }
        out.push(
            Hit::new(
                k.span().to(role.span()),
                format!(
                    "{} gives cluster-admin to {}",
                    res.display(),
                    subjects.join(", ")
                ),
            )
            .label("cluster-admin: every verb on every resource of every namespace"),
        );
    }
}
