//! single-replica: a Deployment or StatefulSet that runs one pod (replicas absent or 1),
//! unless an autoscaler of the set keeps at least two.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct SingleReplica;

pub const CHECKS: &[(&str, Factory)] = &[("single-replica", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(SingleReplica))
}

impl Check for SingleReplica {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !matches!(res.kind, "Deployment" | "StatefulSet") || res.group() != "apps" {
            return;
        }
        let Some(n) = res.replicas() else { return };
        // 0 is a deliberate pause, not a single point of failure.
        if n != 1 || cx.index.autoscaler_min(res).is_some_and(|m| m >= 2) {
            return;
        }
        let entry = res.root.get("spec").and_then(|s| s.entry("replicas"));
        let (span, how) = match entry {
            Some((k, v)) => (k.span().to(v.span()), "replicas: 1"),
            None => (res.name_span(), "no replicas (so 1)"),
        };
        out.push(
            Hit::new(span, format!("{} runs a single pod: {how}", res.display()))
                .label("one node drain or crash and the service is down"),
        );
    }
}
