//! host-port: a container port bound on the node's own address.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct HostPort;

pub const CHECKS: &[(&str, Factory)] = &[("host-port", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(HostPort))
}

impl Check for HostPort {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        for c in cx.pod.iter().flat_map(|p| &p.containers) {
            for port in c.get("ports").iter().flat_map(|p| p.items()) {
                let Some((k, v)) = port.entry("hostPort") else {
                    continue;
                };
                let Some(n) = v.as_i64().filter(|n| *n != 0) else {
                    continue;
                };
                out.push(
                    Hit::new(
                        k.span().to(v.span()),
                        format!(
                            "{} of {} binds port {n} on the node",
                            c.describe(),
                            res.display()
                        ),
                    )
                    .label(
                        "hostPort: reachable on the node's address, outside NetworkPolicy's view",
                    ),
                );
            }
        }
    }
}
