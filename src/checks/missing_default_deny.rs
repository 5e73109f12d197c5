//! missing-default-deny: a namespace with workloads but no policy isolating all its pods.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct MissingDefaultDeny;

pub const CHECKS: &[(&str, Factory)] = &[("missing-default-deny", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingDefaultDeny))
}

impl Check for MissingDefaultDeny {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        // Reported once per namespace: on its Namespace object when the set holds one (so a
        // suppression there stays put whatever file sorts first), else on its first workload.
        let (namespace, label) = if res.is("", "Namespace") {
            // The first Namespace object of that name, when several overlays define it.
            let Some(name) = res.name else { return };
            if cx.index.namespace(name).object != Some(res.ordinal) {
                return;
            }
            (
                name,
                "its pods accept any traffic: no policy isolates them by default",
            )
        } else if res.runs_pods() && !res.templated_namespace() {
            let facts = cx.index.namespace(res.namespace);
            if facts.object.is_some() || facts.first_workload != Some(res.ordinal) {
                return;
            }
            (
                res.namespace,
                "first workload of the namespace: new pods here accept any traffic",
            )
        } else {
            return;
        };
        let facts = cx.index.namespace(namespace);
        if facts.default_deny || facts.workloads == 0 {
            return;
        }
        let n = facts.workloads;
        out.push(
            Hit::new(
                res.name_span(),
                format!(
                    "namespace {namespace} has no default-deny NetworkPolicy ({n} workload{} in the set)",
                    if n == 1 { "" } else { "s" }
                ),
            )
            .label(label)
            .identity(format!("namespace {namespace}"))
            .help(format!(
                "add to namespace {namespace}: a NetworkPolicy with `podSelector: {{}}` and \
                 `policyTypes: [Ingress]`, then allow the flows each workload needs"
            )),
        );
    }
}
