//! Generic checks over object paths (`src/objpath.rs`), for rules written as data:
//! `required-field`, `forbidden-field`, `value-matches`, `required-label`,
//! `required-annotation`. Their `message` param may name `{object}`, `{path}` (the concrete
//! path), `{field}`, `{value}` and `{expected}`, and so may their `label` param.

use crate::object::{Resource, is_templated};
use crate::objpath::{ObjPath, Root, Step};
use crate::rule::{Check, Cx, Factory, Hit, Params};
use crate::yaml::{NodeRef, Span};
use regex::Regex;

pub const CHECKS: &[(&str, Factory)] = &[
    ("required-field", required_field),
    ("forbidden-field", forbidden_field),
    ("value-matches", value_matches),
    ("required-label", required_label),
    ("required-annotation", required_annotation),
];

/// The `message` and `label` templates, with `{object}`, `{path}`, `{field}`, `{value}`,
/// `{expected}`.
struct Message {
    message: Option<String>,
    label: Option<String>,
}

impl Message {
    fn from(p: &Params) -> Result<Message, String> {
        Ok(Message {
            message: p.str("message")?,
            label: p.str("label")?,
        })
    }

    fn fill(t: &str, vars: &[(&str, &str)]) -> String {
        let mut out = t.to_string();
        for (k, v) in vars {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }

    fn render(&self, default: String, vars: &[(&str, &str)]) -> String {
        match &self.message {
            Some(t) => Self::fill(t, vars),
            None => default,
        }
    }

    /// The finding: the rule's message and label when it gives them, else the defaults.
    fn hit(&self, span: Span, message: String, label: String, vars: &[(&str, &str)]) -> Hit {
        let label = match &self.label {
            Some(t) => Self::fill(t, vars),
            None => label,
        };
        Hit::new(span, self.render(message, vars)).label(label)
    }
}

fn path_param(p: &Params, key: &str) -> Result<ObjPath, String> {
    let text = p
        .str(key)?
        .ok_or_else(|| Params::error(key, "is required (an object path)"))?;
    ObjPath::parse(&text).map_err(|e| Params::error(key, e))
}

// ---- required-field ------------------------------------------------------------------

struct RequiredField {
    path: ObjPath,
    message: Message,
}

fn required_field(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["path", "message", "label"])?;
    Ok(Box::new(RequiredField {
        path: path_param(p, "path")?,
        message: Message::from(p)?,
    }))
}

impl Check for RequiredField {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let sel = self.path.select(res);
        for m in &sel.missing {
            let path = m.full_path();
            let object = res.display();
            let field = self.path.field();
            out.push(self.message.hit(
                m.blame(res),
                format!("{object} does not set `{path}`"),
                format!("no `{}` here", m.missing),
                &[("object", &object), ("path", &path), ("field", &field)],
            ));
        }
    }
}

// ---- forbidden-field -----------------------------------------------------------------

struct ForbiddenField {
    path: ObjPath,
    message: Message,
}

fn forbidden_field(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&["path", "message", "label"])?;
    Ok(Box::new(ForbiddenField {
        path: path_param(p, "path")?,
        message: Message::from(p)?,
    }))
}

impl Check for ForbiddenField {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        for (f, path) in self.path.select(res).found {
            let object = res.display();
            let field = self.path.field();
            let value = shown(f.node);
            out.push(self.message.hit(
                f.span(),
                format!("{object} sets `{path}`"),
                "this field is not allowed".into(),
                &[
                    ("object", &object),
                    ("path", &path),
                    ("field", &field),
                    ("value", &value),
                ],
            ));
        }
    }
}

/// A value as a message shows it: the scalar's text, or its shape.
fn shown(n: NodeRef) -> String {
    if n.is_map() {
        "a mapping".into()
    } else if n.is_seq() {
        "a list".into()
    } else {
        n.as_str().unwrap_or("").to_string()
    }
}

// ---- value-matches -------------------------------------------------------------------

/// What a value must be: every constraint given holds (or, with `not`, not all of them).
struct Constraint {
    pattern: Option<Regex>,
    one_of: Option<Vec<String>>,
    min: Option<f64>,
    max: Option<f64>,
    not: bool,
}

impl Constraint {
    fn from(p: &Params) -> Result<Constraint, String> {
        let pattern = match p.str("pattern")? {
            None => None,
            Some(re) => Some(Regex::new(&re).map_err(|e| {
                Params::error("pattern", format!("is not a regular expression: {e}"))
            })?),
        };
        let one_of = p.str_list("enum").map_err(|_| {
            Params::error(
                "enum",
                "must be a list of values (write numbers and booleans as text)",
            )
        })?;
        let c = Constraint {
            pattern,
            one_of,
            min: p.number("min")?,
            max: p.number("max")?,
            not: p.bool("not")?.unwrap_or(false),
        };
        if c.pattern.is_none() && c.one_of.is_none() && c.min.is_none() && c.max.is_none() {
            return Err(Params::error(
                "pattern",
                "(or `enum`, `min`, `max`): value-matches needs at least one",
            ));
        }
        Ok(c)
    }

    /// Does the value hold? Non-scalars never match a scalar constraint.
    fn holds(&self, n: NodeRef) -> bool {
        let Some(text) = n.as_str().filter(|_| !n.is_map() && !n.is_seq()) else {
            return self.not;
        };
        // `yes`, `True` and `true` are the same boolean (YAML 1.1, as Kubernetes reads it).
        let normal = n.as_bool().map(|b| b.to_string());
        let text = normal.as_deref().unwrap_or(text);
        let num = text.trim().parse::<f64>().ok();
        let all = self.pattern.as_ref().is_none_or(|re| re.is_match(text))
            && self
                .one_of
                .as_ref()
                .is_none_or(|l| l.iter().any(|v| v == text))
            && self.min.is_none_or(|m| num.is_some_and(|x| x >= m))
            && self.max.is_none_or(|m| num.is_some_and(|x| x <= m));
        all != self.not
    }

    /// `a value that matches ^registry\.example\.com/`, `not a value that is one of a, b`.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(re) = &self.pattern {
            parts.push(format!("matches `{}`", re.as_str()));
        }
        if let Some(l) = &self.one_of {
            parts.push(format!("is one of {}", crate::rule::code_list(l)));
        }
        if let Some(m) = self.min {
            parts.push(format!("is at least {m}"));
        }
        if let Some(m) = self.max {
            parts.push(format!("is at most {m}"));
        }
        let all = parts.join(" and ");
        if self.not {
            format!("not a value that {all}")
        } else {
            format!("a value that {all}")
        }
    }
}

struct ValueMatches {
    path: ObjPath,
    constraint: Constraint,
    required: bool,
    message: Message,
}

fn value_matches(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[
        "path", "pattern", "enum", "min", "max", "not", "required", "message", "label",
    ])?;
    Ok(Box::new(ValueMatches {
        path: path_param(p, "path")?,
        constraint: Constraint::from(p)?,
        required: p.bool("required")?.unwrap_or(false),
        message: Message::from(p)?,
    }))
}

impl Check for ValueMatches {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let sel = self.path.select(res);
        let object = res.display();
        let field = self.path.field();
        let expected = self.constraint.describe();
        for (f, path) in &sel.found {
            // A value filled in later (`{{ .Values.x }}`, `${VAR}`) is not known here.
            if f.node.as_str().is_some_and(is_templated) || self.constraint.holds(f.node) {
                continue;
            }
            let value = shown(f.node);
            out.push(self.message.hit(
                f.span(),
                format!("`{path}` of {object} is `{value}`; it must be {expected}"),
                format!("expected {expected}"),
                &[
                    ("object", &object),
                    ("path", path),
                    ("field", &field),
                    ("value", &value),
                    ("expected", &expected),
                ],
            ));
        }
        if self.required {
            for m in &sel.missing {
                let path = m.full_path();
                out.push(self.message.hit(
                    m.blame(res),
                    format!("{object} does not set `{path}` ({expected})"),
                    format!("no `{}` here", m.missing),
                    &[
                        ("object", &object),
                        ("path", &path),
                        ("field", &field),
                        ("value", ""),
                        ("expected", &expected),
                    ],
                ));
            }
        }
    }
}

// ---- required-label / required-annotation --------------------------------------------

/// A label or annotation an object (or its pods, `on: pod`) must carry, optionally with a
/// value matching `pattern`.
struct RequiredMeta {
    what: &'static str,
    key: String,
    /// `metadata.<what>['<key>']`, built once.
    path: ObjPath,
    pattern: Option<Regex>,
    on_pod: bool,
    message: Message,
}

fn required_label(p: &Params) -> Result<Box<dyn Check>, String> {
    required_meta(p, "labels")
}

fn required_annotation(p: &Params) -> Result<Box<dyn Check>, String> {
    required_meta(p, "annotations")
}

fn required_meta(p: &Params, what: &'static str) -> Result<Box<dyn Check>, String> {
    p.only(&["key", "pattern", "on", "message", "label"])?;
    let key = p
        .str("key")?
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| Params::error("key", "is required"))?;
    let pattern =
        match p.str("pattern")? {
            None => None,
            Some(re) => Some(Regex::new(&re).map_err(|e| {
                Params::error("pattern", format!("is not a regular expression: {e}"))
            })?),
        };
    let on_pod = match p.str("on")?.as_deref() {
        None | Some("object") => false,
        Some("pod") => true,
        Some(o) => {
            return Err(Params::error(
                "on",
                format!("is `object` or `pod`, not `{o}`"),
            ));
        }
    };
    let path = ObjPath {
        root: Root::Object,
        steps: vec![
            Step::Key("metadata".into()),
            Step::Key(what.into()),
            Step::Key(key.clone()),
        ],
        text: format!("metadata.{what}['{key}']"),
    };
    Ok(Box::new(RequiredMeta {
        what,
        key,
        path,
        pattern,
        on_pod,
        message: Message::from(p)?,
    }))
}

impl Check for RequiredMeta {
    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        let noun = self.what.trim_end_matches('s');
        let whose = if self.on_pod { "the pods of " } else { "" };
        let verb = if self.on_pod { "carry" } else { "carries" };
        let path = &self.path;
        let (sel, top) = if self.on_pod {
            match res.pod_template() {
                Some(t) => (select_from(path, res, t), t),
                None => return,
            }
        } else {
            (path.select(res), res.root)
        };
        let object = res.display();
        let key = &self.key;
        for m in &sel.missing {
            let p = m.full_path();
            // The object's own label is blamed on its name, as every object rule is; a pod
            // label on the template's labels (or metadata), its name when it has neither.
            let span =
                if !self.on_pod || (m.parent.key.is_none() && m.parent.node.span() == top.span()) {
                    res.name_span()
                } else {
                    m.blame(res)
                };
            out.push(self.message.hit(
                span,
                format!("{whose}{object} {verb} no {noun} `{key}`"),
                format!("no `{key}` {noun}"),
                &[
                    ("object", &object),
                    ("path", &p),
                    ("field", key),
                    ("value", ""),
                ],
            ));
        }
        let Some(re) = &self.pattern else { return };
        for (f, p) in &sel.found {
            let value = shown(f.node);
            if f.node
                .as_str()
                .is_some_and(|v| re.is_match(v) || is_templated(v))
            {
                continue;
            }
            let expected = format!("a value that matches `{}`", re.as_str());
            out.push(self.message.hit(
                f.span(),
                format!(
                    "the {noun} `{key}` of {whose}{object} is `{value}`; it must be {expected}"
                ),
                format!("expected {expected}"),
                &[
                    ("object", &object),
                    ("path", p),
                    ("field", key),
                    ("value", &value),
                    ("expected", &expected),
                ],
            ));
        }
    }
}

/// Select a path from a node other than the object's root (a pod template), by treating
/// that node as the root of a view of the object.
fn select_from<'a>(
    path: &ObjPath,
    res: &Resource<'a>,
    node: NodeRef<'a>,
) -> crate::objpath::Selection<'a> {
    let view = res.with_root(node);
    let mut sel = path.select(&view);
    // Paths are the object's: prefix the template's own.
    let prefix = crate::path::path_to(res.root, node.span());
    if !prefix.is_empty() && node.span() != res.root.span() {
        for (_, p) in &mut sel.found {
            *p = format!("{prefix}.{p}");
        }
        for m in &mut sel.missing {
            m.path = if m.path.is_empty() {
                prefix.clone()
            } else {
                format!("{prefix}.{}", m.path)
            };
        }
    }
    sel
}
