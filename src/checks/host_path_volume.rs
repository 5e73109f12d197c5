//! host-path-volume: a pod template volume backed by the node's filesystem.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct HostPathVolume;

pub const CHECKS: &[(&str, Factory)] = &[("host-path-volume", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(HostPathVolume))
}

impl Check for HostPathVolume {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(spec) = res.pod_spec() else { return };
        let Some(volumes) = spec.get("volumes") else {
            return;
        };
        for vol in volumes.items() {
            let Some((key, hp)) = vol.entry("hostPath") else {
                continue;
            };
            let name = vol
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or("<unnamed>");
            let path = hp.get("path").and_then(|p| p.as_str());
            let kind = hp.get("type").and_then(|t| t.as_str()).unwrap_or("");
            let device = matches!(kind, "Socket" | "CharDevice" | "BlockDevice")
                || path.is_some_and(|p| p.ends_with(".sock") || p.starts_with("/dev/"));
            let (message, label) = match path {
                Some(p) if device => (
                    format!("volume `{name}` of {} mounts the node's {p}", res.display()),
                    "node-local: ties the pod to this node and hands it the node's device",
                ),
                Some(p) => (
                    format!(
                        "volume `{name}` of {} keeps data on the node at {p}",
                        res.display()
                    ),
                    "node-local storage: gone when the node is replaced",
                ),
                None => (
                    format!("volume `{name}` of {} mounts a node path", res.display()),
                    "node-local storage: gone when the node is replaced",
                ),
            };
            out.push(Hit::new(key.span().to(hp.span()), message).label(label));
        }
    }
}
