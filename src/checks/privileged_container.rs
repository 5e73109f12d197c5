//! privileged-container: a container with `securityContext.privileged: true`.

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct PrivilegedContainer;

pub const CHECKS: &[(&str, Factory)] = &[("privileged-container", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(PrivilegedContainer))
}

impl Check for PrivilegedContainer {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        for c in &pod.containers {
            let Some(s) = pod.security(c, "privileged") else {
                continue;
            };
            if s.value.as_bool() != Some(true) {
                continue;
            }
            out.push(
                Hit::new(
                    s.key.span().to(s.value.span()),
                    format!("{} of {} runs privileged", c.describe(), res.display()),
                )
                .label("privileged: every device and capability of the node, as root on it"),
            );
        }
    }
}
