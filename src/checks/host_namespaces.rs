//! host-namespaces: a pod that shares the node's process or IPC namespace (`hostPID`,
//! `hostIPC`); `hostNetwork` is its own rule.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct HostNamespaces;

pub const CHECKS: &[(&str, Factory)] = &[("host-namespaces", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(HostNamespaces))
}

impl Check for HostNamespaces {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        for (key, what, label) in [
            (
                "hostPID",
                "process",
                "hostPID: sees and signals every process of the node",
            ),
            (
                "hostIPC",
                "IPC",
                "hostIPC: reads the shared memory of every process of the node",
            ),
        ] {
            let Some((k, v)) = pod.pod_field(key) else {
                continue;
            };
            if v.as_bool() == Some(true) {
                out.push(
                    Hit::new(
                        k.span().to(v.span()),
                        format!("{} shares the node's {what} namespace", res.display()),
                    )
                    .label(label),
                );
            }
        }
    }
}
