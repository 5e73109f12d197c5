//! The owned tree a kustomization is rendered into: every node keeps where it came from
//! (a file of the set and a byte range in it), so that a finding on a rendered object can
//! point at the line of the base, the patch or the kustomization that wrote the value.
//!
//! The tree is recursive (it is edited in place by patches); its depth is bounded when it is
//! made from YAML (`MAX_DEPTH`), and aliases are expanded against a node budget, so neither
//! deep nesting nor alias bombs can exhaust the stack or the memory.

use crate::yaml::{NodeRef, ScalarType, Span, Style, Tag, resolve_plain};

/// Deeper documents are not rendered (Kubernetes objects are a few dozen levels deep).
pub const MAX_DEPTH: usize = 256;

/// Where a node was written: file `file` of the set (see `Files`), bytes `span` of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    pub file: u32,
    pub span: Span,
}

impl Origin {
    /// Made by the renderer, written nowhere (a synthesised parent of a patched field).
    pub const NONE: Origin = Origin {
        file: u32::MAX,
        span: Span { start: 0, end: 0 },
    };
    pub fn is_none(self) -> bool {
        self.file == u32::MAX
    }
}

#[derive(Clone, Debug)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
    pub tag: Tag,
}

#[derive(Clone, Debug)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Entries in order; keys are scalars.
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub origin: Origin,
}

/// The typed value of a scalar, as Kubernetes reads it: what comparisons use.
#[derive(Debug, PartialEq)]
pub enum Typed<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Node {
    pub fn new(value: Value, origin: Origin) -> Node {
        Node { value, origin }
    }
    /// A string (quoted when its text would read as another type).
    pub fn string(text: impl Into<String>, origin: Origin) -> Node {
        let text = text.into();
        let style = if resolve_plain(&text) == ScalarType::Str && plain_safe(&text) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        Node::new(
            Value::Scalar(Scalar {
                text,
                style,
                tag: Tag::None,
            }),
            origin,
        )
    }
    /// A plain scalar (typed as YAML resolves it: `3` is a number).
    pub fn plain(text: impl Into<String>, origin: Origin) -> Node {
        Node::new(
            Value::Scalar(Scalar {
                text: text.into(),
                style: Style::Plain,
                tag: Tag::None,
            }),
            origin,
        )
    }
    pub fn null(origin: Origin) -> Node {
        Node::plain("null", origin)
    }
    pub fn map(origin: Origin) -> Node {
        Node::new(Value::Map(Vec::new()), origin)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }
    pub fn is_null(&self) -> bool {
        matches!(self.typed(), Some(Typed::Null))
    }

    pub fn typed(&self) -> Option<Typed<'_>> {
        let Value::Scalar(s) = &self.value else {
            return None;
        };
        let t = match s.tag {
            Tag::Str | Tag::Other => ScalarType::Str,
            Tag::Int => ScalarType::Int,
            Tag::Float => ScalarType::Float,
            Tag::Bool => ScalarType::Bool,
            Tag::Null => ScalarType::Null,
            Tag::None if s.style != Style::Plain => ScalarType::Str,
            Tag::None => resolve_plain(&s.text),
        };
        let text = s.text.as_str();
        Some(match t {
            ScalarType::Null => Typed::Null,
            ScalarType::Bool => Typed::Bool(matches!(
                text.to_ascii_lowercase().as_str(),
                "true" | "yes" | "y" | "on"
            )),
            ScalarType::Int => match crate::yaml::parse_int_text(text) {
                Some(i) => Typed::Int(i),
                None => Typed::Str(text),
            },
            ScalarType::Float => match text.replace('_', "").parse::<f64>() {
                Ok(f) => Typed::Float(f),
                Err(_) => Typed::Str(text),
            },
            ScalarType::Str => Typed::Str(text),
        })
    }

    /// The text of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match (&self.value, self.typed()) {
            (_, Some(Typed::Null)) => None,
            (Value::Scalar(s), _) => Some(&s.text),
            _ => None,
        }
    }
    /// The text of a string scalar (not a number, boolean or null).
    pub fn as_string(&self) -> Option<&str> {
        match self.typed() {
            Some(Typed::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(i) => i,
            _ => &[],
        }
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(e) => e
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }
    pub fn path_mut(&mut self, keys: &[&str]) -> Option<&mut Node> {
        let mut n = self;
        for k in keys {
            n = n.get_mut(k)?;
        }
        Some(n)
    }
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.path(keys).and_then(Node::as_str)
    }

    /// Set `key` to `value` (replacing it where it is, or appended). A map is made of a
    /// null or missing node first.
    pub fn set(&mut self, key: &str, value: Node) {
        if self.is_null() {
            self.value = Value::Map(Vec::new());
        }
        if let Value::Map(e) = &mut self.value {
            if let Some((_, v)) = e.iter_mut().find(|(k, _)| k.as_str() == Some(key)) {
                *v = value;
            } else {
                let origin = value.origin;
                e.push((Node::string(key, origin), value));
            }
        }
    }
    /// The map at `key`, made (with `origin`) when it is missing or null.
    pub fn map_at(&mut self, key: &str, origin: Origin) -> Option<&mut Node> {
        if self.get(key).is_none_or(|n| n.is_null()) {
            self.set(key, Node::map(origin));
        }
        self.get_mut(key).filter(|n| n.is_map())
    }
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        if let Value::Map(e) = &mut self.value {
            let at = e.iter().position(|(k, _)| k.as_str() == Some(key))?;
            return Some(e.remove(at).1);
        }
        None
    }

    /// The same value (scalars by their Kubernetes type, maps whatever their key order).
    pub fn same(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Scalar(_), Value::Scalar(_)) => match (self.typed(), other.typed()) {
                (Some(Typed::Float(a)), Some(Typed::Int(b)))
                | (Some(Typed::Int(b)), Some(Typed::Float(a))) => a == b as f64,
                (a, b) => a == b,
            },
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        k.as_str()
                            .and_then(|k| other.get(k))
                            .is_some_and(|w| v.same(w))
                    })
            }
            _ => false,
        }
    }

    /// Every node's origin set to `origin` (a value copied from elsewhere keeps its own).
    pub fn set_origin(&mut self, origin: Origin) {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            n.origin = origin;
            match &mut n.value {
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Map(e) => {
                    for (k, v) in e.iter_mut() {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                Value::Scalar(_) => {}
            }
        }
    }
}

/// Characters no plain scalar holds: those YAML cannot hold unescaped (a byte order mark,
/// U+FFFE/U+FFFF) and those YAML 1.1 reads as line breaks (U+2028, U+2029; NEL is a control).
const UNPLAIN: [char; 5] = ['\u{FEFF}', '\u{FFFE}', '\u{FFFF}', '\u{2028}', '\u{2029}'];

/// Text that can be written as a plain scalar in block context and read back the same.
pub fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    // `-`, `?` and `:` may start a plain scalar when a non-space follows (`-1`, `:x`).
    let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
    let may_start = matches!(first, '-' | '?' | ':')
        && text
            .get(1..)
            .is_some_and(|r| !r.is_empty() && !r.starts_with(' '));
    if indicator && !may_start {
        return false;
    }
    if first == ' ' || text.ends_with(' ') || text.ends_with(':') {
        return false;
    }
    !(text.contains(": ")
        || text.contains(" #")
        || text.contains('\n')
        || text.contains('\t')
        || text.chars().any(|c| c.is_control() || UNPLAIN.contains(&c))
        || text == "-"
        || text.starts_with("---")
        || text.starts_with("..."))
}

/// Why a document could not be made into a tree.
#[derive(Debug)]
pub struct TooBig(pub &'static str);

/// The owned tree of a YAML node of file `file`: aliases expanded, `<<` merged, at most
/// `budget` nodes made (decremented) and `MAX_DEPTH` levels.
pub fn from_yaml(node: NodeRef, file: u32, budget: &mut usize) -> Result<Node, TooBig> {
    convert(node, file, budget, 0)
}

fn convert(node: NodeRef, file: u32, budget: &mut usize, depth: usize) -> Result<Node, TooBig> {
    if depth > MAX_DEPTH {
        return Err(TooBig("nested too deep to render"));
    }
    *budget = budget
        .checked_sub(1)
        .ok_or(TooBig("expands past the renderer's node budget (aliases)"))?;
    let origin = Origin {
        file,
        span: node.span(),
    };
    let value = if node.is_map() {
        let mut entries = Vec::with_capacity(node.child_count());
        for (k, v) in node.entries() {
            entries.push((
                convert(k, file, budget, depth + 1)?,
                convert(v, file, budget, depth + 1)?,
            ));
        }
        Value::Map(entries)
    } else if node.is_seq() {
        let mut items = Vec::with_capacity(node.child_count());
        for i in node.items() {
            items.push(convert(i, file, budget, depth + 1)?);
        }
        Value::Seq(items)
    } else {
        Value::Scalar(Scalar {
            text: node.scalar_text().unwrap_or_default().to_string(),
            style: node.style().unwrap_or(Style::Plain),
            tag: node.tag().unwrap_or(Tag::None),
        })
    };
    Ok(Node { value, origin })
}

/// The value as JSON, scalars typed as Kubernetes reads them (what two renderings are
/// compared by).
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Scalar(_) => match node.typed() {
            Some(Typed::Null) | None => J::Null,
            Some(Typed::Bool(b)) => J::Bool(b),
            Some(Typed::Int(i)) => J::from(i),
            Some(Typed::Float(f)) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
            Some(Typed::Str(s)) => J::String(s.to_string()),
        },
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        Value::Scalar(s) => s.text.clone(),
                        _ => String::new(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}
