//! missing-topology-spread: a workload with two or more replicas and nothing that spreads
//! them (no pod anti-affinity, no topologySpreadConstraints): they may share one node.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::selector::{Labels, Selector};

struct MissingTopologySpread;

pub const CHECKS: &[(&str, Factory)] = &[("missing-topology-spread", build)];

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
        // A constraint or an anti-affinity term spreads these pods only if it selects them:
        // its selector matches their labels (and, for anti-affinity, its `namespaces`, when
        // listed, include theirs).
        let labels = res.selector_labels();
        let labels = Labels::new(&labels);
        let spread = pod
            .spec
            .get("topologySpreadConstraints")
            .into_iter()
            .flat_map(|t| t.items())
            .any(|t| {
                t.get("labelSelector").is_some()
                    && Selector::from_node(t.get("labelSelector")).matches(&labels)
            });
        // Two pods cannot bind the same hostPort on one node: the scheduler spreads them.
        let host_port = pod.containers.iter().any(|c| {
            c.get("ports").into_iter().flat_map(|p| p.items()).any(|p| {
                p.get("hostPort")
                    .and_then(|h| h.as_i64())
                    .is_some_and(|h| h > 0)
            })
        });
        let anti = pod.spec.path(&["affinity", "podAntiAffinity"]);
        let terms = [
            "requiredDuringSchedulingIgnoredDuringExecution",
            "preferredDuringSchedulingIgnoredDuringExecution",
        ]
        .iter()
        .filter_map(|k| anti.and_then(|a| a.get(k)))
        .flat_map(|l| l.items())
        .map(|t| t.get("podAffinityTerm").unwrap_or(t));
        let anti = terms.into_iter().any(|t| {
            let own_ns = t.get("namespaces").is_none_or(|n| {
                n.items().next().is_none() || n.items().any(|i| i.as_str() == Some(res.namespace))
            });
            let selects = Selector::from_node(t.get("labelSelector")).matches(&labels)
                && t.get("labelSelector").is_some();
            own_ns && selects
        });
        if spread || anti || host_port {
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
