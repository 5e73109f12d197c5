//! missing-readiness-probe / missing-liveness-probe: a long-running container without the
//! probe (init and ephemeral containers take none, sidecars do; Jobs, CronJobs and
//! run-once Pods end).

use crate::object::Resource;
use crate::pod::ContainerList;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct MissingProbe {
    probe: &'static str,
    label: &'static str,
}

pub const CHECKS: &[(&str, Factory)] = &[
    ("missing-readiness-probe", readiness),
    ("missing-liveness-probe", liveness),
];

pub fn readiness(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingProbe {
        probe: "readinessProbe",
        label: "no readinessProbe: traffic arrives before the process can serve it",
    }))
}

pub fn liveness(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingProbe {
        probe: "livenessProbe",
        label: "no livenessProbe: a hung process is never restarted",
    }))
}

/// Pods that run to completion: Jobs, CronJobs, Pods that are not restarted.
fn runs_to_completion(res: &Resource, restart_policy: Option<&str>) -> bool {
    matches!(res.kind, "Job" | "CronJob")
        || (res.kind == "Pod" && matches!(restart_policy, Some("Never" | "OnFailure")))
}

impl Check for MissingProbe {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        let restart = pod.spec.get("restartPolicy").and_then(|r| r.as_str());
        if !res.runs_pods() || runs_to_completion(res, restart) {
            return;
        }
        // Main containers and sidecars (init containers that keep running); not the pause
        // image. (A container without an image is still judged: manifests written to show a
        // point, and linters' own tests, leave the image out.)
        for c in pod
            .containers
            .iter()
            .filter(|c| c.list == ContainerList::Main || c.is_sidecar())
            .filter(|c| !c.is_pause())
        {
            if c.get(self.probe).is_some_and(|p| !p.is_null()) {
                continue;
            }
            out.push(
                Hit::new(
                    c.anchor(),
                    format!(
                        "{} of {} has no {}",
                        c.describe(),
                        res.display(),
                        self.probe
                    ),
                )
                .label(self.label),
            );
        }
    }
}
