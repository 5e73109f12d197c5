//! network-policy-allows-all: a NetworkPolicy ingress rule that admits every source: `{}`,
//! no or an empty `from`, or an ipBlock of 0.0.0.0/0 or ::/0.

use crate::cidr::is_anywhere;
use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct NetworkPolicyAllowsAll;

pub const CHECKS: &[(&str, Factory)] = &[("network-policy-allows-all", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(NetworkPolicyAllowsAll))
}

impl Check for NetworkPolicyAllowsAll {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        // With policyTypes that leave Ingress out, the ingress rules are not enforced.
        let types = res.root.path(&["spec", "policyTypes"]);
        if types.is_some_and(|t| {
            t.items().next().is_some() && !t.items().any(|i| i.as_str() == Some("Ingress"))
        }) {
            return;
        }
        let rules = res.root.path(&["spec", "ingress"]);
        for rule in rules.into_iter().flat_map(|r| r.items()) {
            if !(rule.is_map() || rule.is_null()) {
                continue;
            }
            let from: Vec<_> = rule
                .get("from")
                .into_iter()
                .flat_map(|f| f.items())
                .collect();
            let why = if from.is_empty() {
                Some("it names no source (`from` absent or empty): every source".to_string())
            } else {
                from.iter().find_map(|peer| {
                    let cidr = peer.path(&["ipBlock", "cidr"])?.as_str()?;
                    let except = peer
                        .path(&["ipBlock", "except"])
                        .is_some_and(|e| e.items().next().is_some());
                    let but = if except {
                        " but the ones it excepts"
                    } else {
                        ""
                    };
                    is_anywhere(cidr).then(|| format!("its ipBlock {cidr} is every address{but}"))
                })
            };
            let Some(why) = why else { continue };
            let ports = if rule
                .get("ports")
                .is_some_and(|p| p.items().next().is_some())
            {
                " (on its ports)"
            } else {
                ""
            };
            out.push(
                Hit::new(
                    rule.span(),
                    format!(
                        "an ingress rule of {} admits traffic from anywhere{ports}: {why}",
                        res.display()
                    ),
                )
                .label("this rule lets every pod and address in"),
            );
        }
    }
}
