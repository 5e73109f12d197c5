//! missing-resource-requests / missing-memory-limit: containers the scheduler cannot size
//! (no cpu or memory request), or whose memory use nothing bounds (no memory limit).

use crate::object::Resource;
use crate::pod::ContainerList;
use crate::rule::{Check, Cx, Factory, Hit, Params};

struct MissingResources {
    /// (section of `resources`, the quantities it must name)
    want: (&'static str, &'static [&'static str]),
    label: &'static str,
}

pub const CHECKS: &[(&str, Factory)] = &[
    ("missing-resource-requests", requests),
    ("missing-memory-limit", memory_limit),
];

pub fn requests(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingResources {
        want: ("requests", &["cpu", "memory"]),
        label: "the scheduler places it blind and the node may be overcommitted",
    }))
}

pub fn memory_limit(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(MissingResources {
        want: ("limits", &["memory"]),
        label: "a leak grows until the node runs out of memory and evicts its neighbours",
    }))
}

impl Check for MissingResources {
    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let Some(pod) = cx.pod else { return };
        if !res.runs_pods() {
            return;
        }
        let (section, names) = self.want;
        // Ephemeral containers take no resources.
        for c in pod
            .containers
            .iter()
            .filter(|c| c.list != ContainerList::Ephemeral)
        {
            let resources = c.node.entry("resources");
            let given = resources.and_then(|(_, r)| r.get(section));
            // A limit without a request sets the request to the limit, as Kubernetes does.
            let limits = resources.and_then(|(_, r)| r.get("limits"));
            let missing: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| {
                    given.and_then(|g| g.get(n)).is_none_or(|v| v.is_null())
                        && (section != "requests"
                            || limits.and_then(|l| l.get(n)).is_none_or(|v| v.is_null()))
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let span = resources.map_or_else(|| c.anchor(), |(k, _)| k.span());
            let noun = section.trim_end_matches('s');
            let what = match missing.as_slice() {
                [one] => format!("no {one} {noun}"),
                many => format!("neither a {} {noun}", many.join(" nor a ")),
            };
            out.push(
                Hit::new(
                    span,
                    format!("{} of {} sets {what}", c.describe(), res.display()),
                )
                .label(self.label),
            );
        }
    }
}
