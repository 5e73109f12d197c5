//! rbac-wildcard: a Role or ClusterRole rule that grants `*` verbs, resources or API groups.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct RbacWildcard;

pub const CHECKS: &[(&str, Factory)] = &[("rbac-wildcard", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(RbacWildcard))
}

impl Check for RbacWildcard {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        for rule in res.root.get("rules").into_iter().flat_map(|r| r.items()) {
            for key in ["verbs", "resources", "apiGroups"] {
                let Some((k, v)) = rule.entry(key) else {
                    continue;
                };
                if v.items().any(|i| i.as_str() == Some("*")) {
                    out.push(
                        Hit::new(
                            k.span().to(v.span()),
                            format!("{} grants `*` {key}", res.display()),
                        )
                        .label(format!(
                            "every {}, including the ones added later",
                            match key {
                                "verbs" => "verb",
                                "resources" => "resource",
                                _ => "API group",
                            }
                        )),
                    );
                }
            }
        }
    }
}
