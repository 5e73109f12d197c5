//! unused-suppression: an `onus: ignore` comment or `onus.dev/ignore` annotation that set
//! nothing aside in this run, or names a rule that does not exist. The engine applies every
//! suppression first, then hands each unused one to this check.

use crate::rule::code_list;
use crate::rule::{Check, Factory, Hit, Params};
use crate::suppress::{SuppressionKind, Unused};

struct UnusedSuppression;

pub const CHECKS: &[(&str, Factory)] = &[("unused-suppression", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(UnusedSuppression))
}

impl Check for UnusedSuppression {
    fn check_unused(&self, unused: &Unused, out: &mut Vec<Hit>) {
        let s = unused.suppression;
        let (what, place) = match unused.kind {
            SuppressionKind::Annotation => (
                "the `onus.dev/ignore` annotation",
                "on this object or its pods",
            ),
            _ => ("the `onus: ignore` comment", "in the YAML node it covers"),
        };
        for (id, near) in &unused.unknown {
            let hint = near
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            out.push(
                Hit::new(
                    s.span,
                    format!("{what} names `{id}`, which is no rule{hint}"),
                )
                .label("unknown rule id: the finding it was meant for is not set aside")
                .help(match near {
                    Some(n) => format!("write `{n}`; `onus rules` lists every rule id"),
                    None => "write a rule id as `onus rules` lists it".into(),
                }),
            );
        }
        if unused.idle.is_empty() {
            return;
        }
        let ids = if unused.idle.contains(&"all") {
            "it".to_string()
        } else {
            code_list(&unused.idle)
        };
        out.push(
            Hit::new(s.span, format!("{what}: {ids} set nothing aside {place}"))
                .label("no finding here for it to suppress: fixed, moved, or misplaced")
                .help(
                    "remove it (or those ids); to suppress a finding, put the comment on its \
                     line or alone on the line above it",
                ),
        );
    }
}
