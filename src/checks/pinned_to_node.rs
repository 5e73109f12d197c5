//! pinned-to-node: a pod template bound to one named node, which cattle nodes are not.

use crate::object::{Resource, is_templated};
use crate::rule::code_list;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::secrets::is_placeholder;
use crate::yaml::NodeRef;

struct PinnedToNode;

const HOSTNAME: &str = "kubernetes.io/hostname";

pub const CHECKS: &[(&str, Factory)] = &[("pinned-to-node", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(PinnedToNode))
}

impl Check for PinnedToNode {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(spec) = res.pod_spec() else { return };
        let what = res.display();
        if let Some((k, v)) = spec.entry("nodeName")
            && let Some(node) = v.as_str().filter(|n| !n.is_empty() && !is_placeholder(n))
        {
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!("{what} is pinned to node `{node}` by nodeName"),
                )
                .label("bypasses the scheduler: the pods die with this node"),
            );
        }
        // A placeholder (`<node-hostname>`) is filled in per run: no node is chosen here.
        if let Some((k, v)) = spec.get("nodeSelector").and_then(|s| s.entry(HOSTNAME))
            && let Some(node) = v
                .as_str()
                .filter(|n| !is_placeholder(n) && !is_templated(n))
        {
            out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!("{what} is pinned to node `{node}` by nodeSelector"),
                )
                .label("a hostname selector: the pods cannot move when this node goes"),
            );
        }
        let terms = spec.path(&[
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
            "nodeSelectorTerms",
        ]);
        // Terms are ORed: the pods are pinned only if every term names nodes.
        let terms: Vec<_> = terms.iter().flat_map(|t| t.items()).collect();
        let pins: Vec<_> = terms.iter().map(|t| pin_of(*t)).collect();
        if pins.is_empty() || pins.iter().any(Option::is_none) {
            return;
        }
        for (expr, nodes) in pins.iter().flatten() {
            out.push(
                Hit::new(
                    expr.span(),
                    format!("{what} requires node {} by node affinity", code_list(nodes)),
                )
                .label("required affinity on node names: the pods cannot move elsewhere"),
            );
        }
    }
}

/// The expression of a node selector term that restricts it to named nodes, and the names.
fn pin_of(term: NodeRef<'_>) -> Option<(NodeRef<'_>, Vec<&str>)> {
    for (list, key) in [
        ("matchExpressions", HOSTNAME),
        ("matchFields", "metadata.name"),
    ] {
        for expr in term.get(list).iter().flat_map(|l| l.items()) {
            let k = expr.get("key").and_then(|k| k.as_str());
            let op = expr.get("operator").and_then(|o| o.as_str());
            if k == Some(key) && op == Some("In") {
                let nodes = expr
                    .get("values")
                    .map(|v| v.items().filter_map(|i| i.as_str()).collect())
                    .unwrap_or_default();
                return Some((expr, nodes));
            }
        }
    }
    None
}
