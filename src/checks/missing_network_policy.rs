//! missing-network-policy: pods that no NetworkPolicy of the linted set isolates for ingress.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::selector::Labels;

struct MissingNetworkPolicy;

pub const CHECKS: &[(&str, Factory)] = &[("missing-network-policy", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingNetworkPolicy))
}

impl Check for MissingNetworkPolicy {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.runs_pods() || res.host_network() || res.templated_namespace() {
            return;
        }
        let labels = res.pod_labels();
        // Selectors also see the labels the controller adds (`job-name`, `pod-template-hash`).
        let mut all = res.controller_labels();
        all.extend(labels.iter().copied());
        let all = Labels::new(&all);
        let selecting = cx.index.policies_selecting(res.namespace, &all);
        if selecting.iter().any(|p| p.ingress) {
            return;
        }
        let shown = if labels.is_empty() {
            "pods with no labels".to_string()
        } else {
            format!(
                "pods labelled {}",
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // Say why a policy that seems to apply does not.
        let why = match selecting.first() {
            Some(p) => format!(
                "NetworkPolicy {} selects these pods for egress only; ",
                p.name.as_deref().unwrap_or("<unnamed>")
            ),
            // A policy that would select these labels in another namespace: likely misplaced.
            None => cx
                .index
                .policies_matching(&all, None)
                .into_iter()
                .find(|p| p.ingress && p.namespace != res.namespace && !p.selector.is_empty())
                .map(|p| {
                    format!(
                        "NetworkPolicy {} matches these labels but is in namespace {}; ",
                        p.name.as_deref().unwrap_or("<unnamed>"),
                        p.namespace
                    )
                })
                .unwrap_or_default(),
        };
        let hit = Hit::new(
            res.name_span(),
            format!(
                "no NetworkPolicy selects the pods of {} for ingress",
                res.display()
            ),
        )
        .label(format!("{shown} accept traffic from anywhere"))
        .help(format!(
            "{why}add a NetworkPolicy in namespace {} whose podSelector matches these labels, \
             or a default-deny policy (podSelector: {{}}) for the namespace",
            res.namespace
        ));
        out.push(hit);
    }
}
