//! suppression-without-reason: an `onus: ignore` comment or `onus.dev/ignore` annotation
//! that does not say why the duty is set aside.

use crate::object::Resource;
use crate::rule::code_list;
use crate::rule::{Check, Cx, Factory, FileFacts, Hit, Params};
use crate::suppress::{self, Suppression};

struct SuppressionWithoutReason;

pub const CHECKS: &[(&str, Factory)] = &[("suppression-without-reason", build)];

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(SuppressionWithoutReason))
}

fn hit(s: &Suppression, what: &str) -> Option<Hit> {
    if s.reason.is_some() {
        return None;
    }
    Some(
        Hit::new(
            s.span,
            format!("{what} of {} gives no reason", code_list(&s.rules)),
        )
        .label("say why after ` -- `: the next reader must know the duty was set aside on purpose"),
    )
}

impl Check for SuppressionWithoutReason {
    fn check_file(&self, file: &FileFacts, out: &mut Vec<Hit>) {
        out.extend(
            file.suppressions
                .iter()
                .filter_map(|s| hit(s, "the `onus: ignore` comment")),
        );
    }

    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let found = suppress::annotations(res);
        // Most objects carry none: their check formats nothing.
        if found.is_empty() {
            return;
        }
        let what = format!("the `{}` annotation", suppress::ANNOTATION);
        out.extend(found.iter().filter_map(|s| hit(s, &what)));
    }
}
