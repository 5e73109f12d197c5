//! missing-default-deny: a namespace with workloads but no policy isolating all its pods.

use crate::object::Resource;
use crate::rule::{Check, Cx, Hit, Params};

struct MissingDefaultDeny;

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingDefaultDeny))
}

impl Check for MissingDefaultDeny {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        // Reported once per namespace, on its first workload in the set.
        if !res.runs_pods() || res.templated_namespace() || !cx.index.is_first_workload(res) {
            return;
        }
        let covered =
            cx.index.network_policies.iter().any(|p| {
                p.resource.namespace == res.namespace && p.ingress && p.selector.is_empty()
            });
        if covered {
            return;
        }
        let n = cx.index.workloads_in(res.namespace);
        out.push(
            Hit::new(
                res.name_span(),
                format!(
                    "namespace {} has no default-deny NetworkPolicy ({n} workload{} in the set)",
                    res.namespace,
                    if n == 1 { "" } else { "s" }
                ),
            )
            .label("first workload of the namespace: new pods here accept any traffic")
            .help(format!(
                "add to namespace {}: a NetworkPolicy with `podSelector: {{}}` and \
                 `policyTypes: [Ingress]`, then allow the flows each workload needs",
                res.namespace
            )),
        );
    }
}
