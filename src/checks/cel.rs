//! cel: a user rule written in CEL, as Kubernetes' ValidatingAdmissionPolicy writes them.
//! `expression` is true when the object complies; `message`, a CEL string expression, says
//! what is wrong; `at` is the object path to blame; `reads` the kinds of the linted set the
//! expression sees in `objects`.

use crate::celx::{self, COST_LIMIT, Compiled};
use crate::object::Resource;
use crate::objpath::ObjPath;
use crate::rule::{Check, Cx, Factory, Hit, Params};
use cel::Value;
use cel::common::value::Val;
use std::sync::Arc;

pub const CHECKS: &[(&str, Factory)] = &[("cel", build)];

struct CelCheck {
    source: String,
    expression: Compiled,
    message: Option<Compiled>,
    at: Option<ObjPath>,
    reads: Vec<String>,
    /// The label under the finding (plain text).
    label: Option<String>,
    /// The top-level fields of `object` the expression and the message read (None: all).
    fields: Option<Vec<String>>,
}

/// The param `key` compiled, if set; a compile error is located in the expression.
fn compile(p: &Params, key: &str) -> Result<Option<(String, Compiled)>, String> {
    let Some(src) = p.str(key)? else {
        return Ok(None);
    };
    match celx::compile(&src) {
        Ok(c) => Ok(Some((src, c))),
        Err(e) => Err(Params::error_at(key, e.line, e.column, &e.message)),
    }
}

fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["expression", "message", "label", "at", "reads"])?;
    let (source, expression) = compile(p, "expression")?
        .ok_or_else(|| Params::error("expression", "is required (a CEL expression)"))?;
    let message = compile(p, "message")?.map(|(_, c)| c);
    let at = match p.str("at")? {
        None => None,
        Some(t) => Some(ObjPath::parse(&t).map_err(|e| Params::error("at", e))?),
    };
    let reads = p.str_list("reads")?.unwrap_or_default();
    if let Some(bad) = reads.iter().find(|k| !crate::rule::is_kind_name(k)) {
        return Err(Params::error(
            "reads",
            format!("lists kinds (`PodDisruptionBudget`), not `{bad}`"),
        ));
    }
    let label = p.str("label")?;
    if expression.reads_objects && reads.is_empty() {
        return Err(Params::error(
            "reads",
            "must name the kinds `objects` holds (the expression reads `objects`): `reads: [PodDisruptionBudget]`",
        ));
    }
    let fields = match (
        &expression.object_fields,
        message.as_ref().map(|m| &m.object_fields),
    ) {
        (Some(a), None) => Some(a.clone()),
        (Some(a), Some(Some(b))) => {
            let mut all: Vec<String> = a.iter().chain(b).cloned().collect();
            all.sort();
            all.dedup();
            Some(all)
        }
        _ => None,
    };
    Ok(Box::new(CelCheck {
        source,
        expression,
        message,
        at,
        reads,
        label,
        fields,
    }))
}

use crate::index::Built;

impl CelCheck {
    /// `objects`: every resource of the set of the kinds read, built once per run.
    fn objects(&self, cx: &Cx) -> Option<Arc<Built>> {
        cx.index.read(&self.reads)
    }
}

impl Check for CelCheck {
    fn reads(&self) -> &[String] {
        &self.reads
    }

    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        // Where a finding points, found only when there is one.
        let span = || {
            self.at
                .as_ref()
                .and_then(|p| p.select(res).first_span(res))
                .unwrap_or_else(|| res.name_span())
        };
        // Converted once per object for every CEL rule.
        let fields = self.fields.as_deref();
        let key = match fields {
            Some(f) => format!("cel-object:{}", f.join(",")),
            None => "cel-object".to_string(),
        };
        let converted: Option<Arc<Built>> = match cx.object_memo {
            Some(m) => m.get_or(&key, || celx::object_val(res, fields)),
            None => Some(Arc::new(celx::object_val(res, fields))),
        };
        let Some((object, object_widest)) = converted.as_deref().and_then(|c| c.as_ref()) else {
            out.push(
                Hit::new(
                    res.name_span(),
                    format!(
                        "{} is too large or too deep for CEL: {}",
                        res.display(),
                        celx::NOT_EVALUATED_TAIL
                    ),
                )
                .label("over a million values once aliases are expanded"),
            );
            return;
        };
        let mut widest = 0;
        let all = if self.expression.reads_objects {
            self.objects(cx)
        } else {
            None
        };
        let objects: Option<&dyn Val> = if self.expression.reads_objects {
            match all.as_deref() {
                Some(Some((v, w))) => {
                    widest = widest.max(*w);
                    Some(&**v)
                }
                _ => {
                    out.push(Hit::new(
                        res.name_span(),
                        format!(
                            "the objects this rule reads are too large for CEL: {}",
                            celx::NOT_EVALUATED_TAIL
                        ),
                    ));
                    return;
                }
            }
        } else {
            None
        };
        // The crate has no cost limit: bound the worst case before evaluating.
        let widest = widest.max(*object_widest);
        let cost = self.expression.cost(widest);
        if cost > COST_LIMIT {
            out.push(
                Hit::new(
                    span(),
                    format!(
                        "the expression could take up to {cost:.0} steps on {} (the limit is {COST_LIMIT:.0}): {}",
                        res.display(),
                        celx::NOT_EVALUATED_TAIL
                    ),
                )
                .label("comprehensions nested over lists this long"),
            );
            return;
        }
        let verdict = self.expression.eval_shared(&**object, objects);
        let failure = match verdict {
            Ok(Value::Bool(true)) => return,
            Ok(Value::Bool(false)) => None,
            Ok(other) => Some(format!("it returned {}, not a bool", kind_of(&other))),
            Err(e) => Some(e),
        };
        let hit = match failure {
            // An error at run time is a finding on the object: the rule could not judge it.
            Some(why) => {
                let hit = Hit::new(
                    span(),
                    format!("{} {}: {why}", celx::NOT_EVALUATED, res.display()),
                );
                if why.contains("No such key") {
                    hit.label("guard optional fields with has() or `.?field.orValue(...)`")
                } else {
                    hit.label("the rule could not judge this object")
                }
            }
            None => {
                let default = format!("{} fails `{}`", res.display(), shorten(&self.source));
                let message = match self
                    .message
                    .as_ref()
                    .map(|m| m.eval_shared(&**object, objects))
                {
                    None => default,
                    Some(Ok(Value::String(s))) => s.to_string(),
                    Some(Ok(other)) => format!(
                        "{default} (the message expression returned {}, not a string)",
                        kind_of(&other)
                    ),
                    Some(Err(e)) => format!("{default} (the message expression failed: {e})"),
                };
                Hit::new(span(), message).label(
                    self.label
                        .clone()
                        .unwrap_or_else(|| "the expression is false here".into()),
                )
            }
        };
        out.push(hit);
    }
}

/// `a string`, `an int`: what a value is, for messages.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Int(_) => "an int",
        Value::UInt(_) => "a uint",
        Value::Float(_) => "a double",
        Value::Bool(_) => "a bool",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Null => "null",
        Value::Bytes(_) => "bytes",
        _ => "a value of another type",
    }
}

/// The expression on one line, cut at 80 characters.
fn shorten(src: &str) -> String {
    let one: String = src.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        format!("{}...", one.chars().take(77).collect::<String>())
    } else {
        one
    }
}
