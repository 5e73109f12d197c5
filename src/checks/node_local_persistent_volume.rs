//! node-local-persistent-volume: a PersistentVolume on one node's disk (hostPath, local).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct NodeLocalPv;

pub const CHECKS: &[(&str, Factory)] = &[("node-local-persistent-volume", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(NodeLocalPv))
}

impl Check for NodeLocalPv {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.is("", "PersistentVolume") {
            return;
        }
        let Some(spec) = res.root.get("spec") else {
            return;
        };
        for key in ["hostPath", "local"] {
            if let Some((k, v)) = spec.entry(key) {
                let path = v.get("path").and_then(|p| p.as_str()).unwrap_or("?");
                out.push(
                    Hit::new(
                        k.span().to(v.span()),
                        format!(
                            "{} stores its data on a single node's disk (`{key}` at {path})",
                            res.display()
                        ),
                    )
                    .label(format!("`{key}`: lost or stranded when that node goes")),
                );
            }
        }
    }
}
