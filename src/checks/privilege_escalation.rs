//! privilege-escalation: a container that may gain more privileges than its process has
//! (`allowPrivilegeEscalation` not set to false: setuid binaries, file capabilities).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct PrivilegeEscalation;

pub const CHECKS: &[(&str, Factory)] = &[("privilege-escalation", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(PrivilegeEscalation))
}

impl Check for PrivilegeEscalation {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        if pod.is_windows() {
            return;
        }
        for c in &pod.containers {
            // Privileged or CAP_SYS_ADMIN: escalation cannot be turned off (the API server
            // refuses `false` beside them); privileged-container and dangerous-capabilities
            // say so.
            if pod.privileged(c) || pod.adds_sys_admin(c) {
                continue;
            }
            let hit = match pod.security(c, "allowPrivilegeEscalation") {
                Some(s) if s.value.as_bool() == Some(false) => continue,
                Some(s) => Hit::new(
                    s.key.span().to(s.value.span()),
                    format!(
                        "{} of {} allows privilege escalation",
                        c.describe(),
                        res.display()
                    ),
                )
                .label("a setuid binary in the image can make its process root"),
                None => Hit::new(
                    c.anchor(),
                    format!(
                        "{} of {} does not forbid privilege escalation",
                        c.describe(),
                        res.display()
                    ),
                )
                .label("no `allowPrivilegeEscalation: false`: Kubernetes allows it by default"),
            };
            out.push(hit);
        }
    }
}
