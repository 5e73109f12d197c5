//! missing-pod-disruption-budget: a workload with two or more replicas that no
//! PodDisruptionBudget of the set protects (same namespace, selector matching its pods).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::selector::Labels;

struct MissingPodDisruptionBudget;

pub const CHECKS: &[(&str, Factory)] = &[("missing-pod-disruption-budget", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingPodDisruptionBudget))
}

impl Check for MissingPodDisruptionBudget {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(n) = cx.index.min_replicas(res).filter(|n| *n >= 2) else {
            return;
        };
        if res.templated_namespace() {
            return;
        }
        let labels = res.selector_labels();
        let labels = Labels::new(&labels);
        let covered = cx
            .index
            .disruption_budgets
            .iter()
            .any(|(ns, sel)| *ns == res.namespace && sel.matches(&labels));
        if covered {
            return;
        }
        out.push(
            Hit::new(
                res.name_span(),
                format!(
                    "no PodDisruptionBudget protects the {n} pods of {}",
                    res.display()
                ),
            )
            .label("a node drain may evict every replica at once"),
        );
    }
}
