//! job-without-ttl: a Job (not made by a CronJob) without `ttlSecondsAfterFinished`: its
//! finished pods and the Job itself stay in the control plane until someone deletes them.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct JobWithoutTtl;

pub const CHECKS: &[(&str, Factory)] = &[("job-without-ttl", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(JobWithoutTtl))
}

impl Check for JobWithoutTtl {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        if !res.is("batch", "Job") {
            return;
        }
        let owned_by_cronjob = res
            .metadata()
            .and_then(|m| m.get("ownerReferences"))
            .into_iter()
            .flat_map(|o| o.items())
            .any(|o| o.get("kind").and_then(|k| k.as_str()) == Some("CronJob"));
        let ttl = res
            .root
            .path(&["spec", "ttlSecondsAfterFinished"])
            .is_some_and(|t| !t.is_null());
        // A Helm or Argo CD hook with a delete policy is deleted by the tool that ran it.
        let hook_deleted = res
            .metadata()
            .and_then(|m| m.get("annotations"))
            .is_some_and(|a| {
                [
                    "helm.sh/hook-delete-policy",
                    "argocd.argoproj.io/hook-delete-policy",
                ]
                .iter()
                .any(|k| {
                    a.get(k)
                        .and_then(|v| v.as_str())
                        .is_some_and(|v| !v.trim().is_empty())
                })
            });
        if owned_by_cronjob || ttl || hook_deleted {
            return;
        }
        out.push(
            Hit::new(
                res.name_span(),
                format!("{} is kept forever once finished", res.display()),
            )
            .label("no ttlSecondsAfterFinished: finished Jobs and their pods pile up"),
        );
    }
}
