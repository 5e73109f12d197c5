//! missing-topology-spread: a workload with two or more replicas and nothing that spreads
//! them (no pod anti-affinity, no topologySpreadConstraints): they may share one node.

use crate::object::Resource;
use crate::rule::{Check, Cx, Hit, Params};

struct MissingTopologySpread;

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingTopologySpread))
}

impl Check for MissingTopologySpread {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let (Some(pod), Some(n)) = (cx.pod, cx.index.min_replicas(res)) else {
            return;
        };
        if n < 2 {
            return;
        }
        let spread = pod
            .spec
            .get("topologySpreadConstraints")
            .is_some_and(|t| t.items().next().is_some());
        let anti = pod
            .spec
            .path(&["affinity", "podAntiAffinity"])
            .is_some_and(|a| a.is_map() && a.entries().next().is_some());
        if spread || anti {
            return;
        }
        out.push(
            Hit::new(
                res.name_span(),
                format!("the {n} pods of {} may all run on one node", res.display()),
            )
            .label("no topologySpreadConstraints and no pod anti-affinity"),
        );
    }
}
