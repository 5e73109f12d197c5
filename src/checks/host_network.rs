//! host-network: pods on the node's network namespace, where NetworkPolicy does not apply.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct HostNetwork;

pub const CHECKS: &[(&str, Factory)] = &[("host-network", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(HostNetwork))
}

impl Check for HostNetwork {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some((k, v)) = res.pod_spec().and_then(|s| s.entry("hostNetwork")) else {
            return;
        };
        if v.as_bool() == Some(true) {
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!("{} shares the node's network namespace", res.display()),
                )
                .label("hostNetwork: NetworkPolicies do not apply, every node port is reachable"),
            );
        }
    }
}
