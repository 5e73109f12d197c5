//! writable-root-filesystem: a container whose root filesystem is writable
//! (`readOnlyRootFilesystem` not true).

use crate::object::Resource;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct WritableRootFilesystem;

pub const CHECKS: &[(&str, Factory)] = &[("writable-root-filesystem", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(WritableRootFilesystem))
}

impl Check for WritableRootFilesystem {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        if pod.is_windows() {
            return;
        }
        for c in &pod.containers {
            let hit = match pod.security(c, "readOnlyRootFilesystem") {
                Some(s) if s.value.as_bool() == Some(true) => continue,
                Some(s) => Hit::new(
                    s.key.span().to(s.value.span()),
                    format!(
                        "{} of {} turns readOnlyRootFilesystem off",
                        c.describe(),
                        res.display()
                    ),
                )
                .label("readOnlyRootFilesystem is off"),
                None => Hit::new(
                    c.anchor(),
                    format!(
                        "{} of {} has a writable root filesystem",
                        c.describe(),
                        res.display()
                    ),
                )
                .label(
                    "no `readOnlyRootFilesystem: true`: an intruder can change the image's files",
                ),
            };
            out.push(hit);
        }
    }
}
