//! run-as-root: a container that may run as root: `runAsUser: 0`, or neither the container
//! nor the pod sets `runAsNonRoot: true` (a non-zero `runAsUser` is enough on its own).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct RunAsRoot;

pub const CHECKS: &[(&str, Factory)] = &[("run-as-root", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(RunAsRoot))
}

impl Check for RunAsRoot {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        // In its own user namespace (`hostUsers: false`) a pod's root is not the node's.
        if pod.is_windows() || pod.own_user_namespace() {
            return;
        }
        for c in &pod.containers {
            let user = pod.security(c, "runAsUser");
            if let Some(u) = user.filter(|u| u.value.as_i64() == Some(0)) {
                let whose = if u.from_pod { "the pod's" } else { "its" };
                out.push(
                    Hit::new(
                        u.key.span().to(u.value.span()),
                        format!("{} of {} runs as root (uid 0)", c.describe(), res.display()),
                    )
                    .label(format!("{whose} runAsUser: 0")),
                );
                continue;
            }
            let non_root = pod.security(c, "runAsNonRoot");
            let named_user = user.is_some_and(|u| u.value.as_i64().is_some_and(|n| n > 0));
            if non_root.is_some_and(|s| s.value.as_bool() == Some(true)) || named_user {
                continue;
            }
            // An explicit `runAsNonRoot: false` is blamed where it is written.
            if let Some(s) = non_root {
                let whose = if s.from_pod { "the pod's" } else { "its" };
                out.push(
                    Hit::new(
                        s.key.span().to(s.value.span()),
                        format!("{} of {} may run as root", c.describe(), res.display()),
                    )
                    .label(format!("{whose} runAsNonRoot is off and no non-zero runAsUser is set: the image decides")),
                );
                continue;
            }
            out.push(
                Hit::new(
                    c.anchor(),
                    format!("{} of {} may run as root", c.describe(), res.display()),
                )
                .label("no runAsNonRoot: true (nor a non-zero runAsUser) on it or its pod: the image decides"),
            );
        }
    }
}
