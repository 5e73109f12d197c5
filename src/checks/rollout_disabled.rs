//! rollout-disabled: a workload whose pods do not get the updates written to its template:
//! a StatefulSet or DaemonSet with `updateStrategy: OnDelete`, or a paused Deployment.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct RolloutDisabled;

pub const CHECKS: &[(&str, Factory)] = &[("rollout-disabled", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(RolloutDisabled))
}

impl Check for RolloutDisabled {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(spec) = res.root.get("spec") else {
            return;
        };
        if res.group() != "apps" {
            return;
        }
        match res.kind {
            "StatefulSet" | "DaemonSet" => {
                let Some((k, v)) = spec.get("updateStrategy").and_then(|u| u.entry("type")) else {
                    return;
                };
                if v.as_str() == Some("OnDelete") {
                    out.push(
                        Hit::new(
                            k.span().to(v.span()),
                            format!(
                                "{} applies a new template only to pods someone deletes",
                                res.display()
                            ),
                        )
                        .label("OnDelete: an updated image or setting is not rolled out"),
                    );
                }
            }
            "Deployment" => {
                let Some((k, v)) = spec.entry("paused") else {
                    return;
                };
                if v.as_bool() == Some(true) {
                    out.push(
                        Hit::new(
                            k.span().to(v.span()),
                            format!(
                                "{} is paused: template changes are not rolled out",
                                res.display()
                            ),
                        )
                        .label("paused: updates wait until someone resumes the rollout"),
                    );
                }
            }
            _ => {}
        }
    }
}
