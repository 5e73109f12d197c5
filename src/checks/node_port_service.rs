//! node-port-service: a Service of type NodePort opens its port on every node's address.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct NodePortService;

pub const CHECKS: &[(&str, Factory)] = &[("node-port-service", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(NodePortService))
}

impl Check for NodePortService {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some((k, v)) = res.root.get("spec").and_then(|s| s.entry("type")) else {
            return;
        };
        if v.as_str() == Some("NodePort") {
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!("{} opens a port on every node", res.display()),
                )
                .label("NodePort: reachable on each node's address, around the load balancer"),
            );
        }
    }
}
