//! Span-carrying YAML tree built from granit-parser events.
//!
//! Why our own tree: every node keeps its byte range (so a finding can blame the exact
//! key), aliases are kept as references and never expanded (alias bombs cost nothing),
//! duplicate keys are recorded instead of failing the file, and scalars keep their raw
//! text and style so rules can apply Kubernetes' YAML 1.1 typing themselves.
//! Nodes live in a flat arena: building, walking and dropping never recurse on input depth.

use granit_parser::{Event, Options, Parser, ScalarStyle, StructureStyle};
use std::collections::HashMap;

pub type NodeId = u32;

/// A byte range in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug)]
pub enum Kind {
    Scalar {
        value: Box<str>,
        style: Style,
        tag: Option<Box<str>>,
    },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
    /// Reference to an anchored node of the same document (never expanded).
    Alias(NodeId),
}

#[derive(Debug)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
}

/// One YAML document of a file.
#[derive(Debug)]
pub struct Document {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    /// Where the document starts (its `---` or first content).
    pub start: usize,
    /// Duplicate keys: (first key, later key), in document order.
    pub duplicates: Vec<(NodeId, NodeId)>,
}

/// A syntax error with its byte position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// Result of parsing a file: every document that parsed, and every error met.
/// A broken document does not stop the others: the parser resumes at the next `---`.
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub errors: Vec<SyntaxError>,
}

/// Value type as Kubernetes (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1) would read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarType {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

impl ScalarType {
    pub fn describe(self) -> &'static str {
        match self {
            ScalarType::Null => "null",
            ScalarType::Bool => "a boolean",
            ScalarType::Int => "an integer",
            ScalarType::Float => "a number",
            ScalarType::Str => "a string",
        }
    }
}

enum Frame {
    Seq(NodeId, Vec<NodeId>, bool),
    Map(NodeId, Vec<(NodeId, NodeId)>, Option<NodeId>, bool),
}

fn style_of(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
        _ => Style::Plain,
    }
}

struct Builder {
    doc: Document,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
}

impl Builder {
    fn new(start: usize) -> Self {
        Builder {
            doc: Document {
                nodes: Vec::new(),
                root: None,
                start,
                duplicates: Vec::new(),
            },
            stack: Vec::new(),
            anchors: HashMap::new(),
        }
    }

    fn alloc(&mut self, kind: Kind, span: Span, anchor: usize) -> Option<NodeId> {
        let id = NodeId::try_from(self.doc.nodes.len()).ok()?;
        self.doc.nodes.push(Node { kind, span });
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        Some(id)
    }

    fn attach(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            None => self.doc.root = Some(id),
            Some(Frame::Seq(_, items, _)) => items.push(id),
            Some(Frame::Map(_, entries, pending, _)) => match pending.take() {
                None => *pending = Some(id),
                Some(k) => entries.push((k, id)),
            },
        }
    }

    fn close(&mut self, end: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        // A block collection's end event sits on the next token: end it at its last child.
        let (id, kind, flow, last) = match frame {
            Frame::Seq(id, items, flow) => {
                let last = items.last().copied();
                (id, Kind::Seq(items), flow, last)
            }
            Frame::Map(id, entries, _, flow) => {
                let last = entries.last().map(|(_, v)| *v);
                self.find_duplicates(&entries);
                (id, Kind::Map(entries), flow, last)
            }
        };
        let end = match last.and_then(|l| self.doc.nodes.get(l as usize)) {
            Some(child) if !flow => child.span.end,
            _ => end,
        };
        if let Some(node) = self.doc.nodes.get_mut(id as usize) {
            node.kind = kind;
            node.span.end = end.max(node.span.start);
        }
        self.attach(id);
    }

    fn key_text(&self, id: NodeId) -> Option<&str> {
        match &self.doc.nodes.get(id as usize)?.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    fn find_duplicates(&mut self, entries: &[(NodeId, NodeId)]) {
        let mut dups = Vec::new();
        if entries.len() <= 16 {
            for (i, (k, _)) in entries.iter().enumerate() {
                let Some(text) = self.key_text(*k) else {
                    continue;
                };
                if text == "<<" {
                    continue;
                }
                if let Some((first, _)) = entries
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .find(|(p, _)| self.key_text(*p) == Some(text))
                {
                    dups.push((*first, *k));
                }
            }
        } else {
            let mut seen: HashMap<&str, NodeId> = HashMap::with_capacity(entries.len());
            for (k, _) in entries {
                let Some(text) = self.key_text(*k) else {
                    continue;
                };
                if text == "<<" {
                    continue;
                }
                if let Some(first) = seen.get(text) {
                    dups.push((*first, *k));
                } else {
                    seen.insert(text, *k);
                }
            }
        }
        self.doc.duplicates.extend(dups);
    }
}

/// Parse a whole file (multi-document YAML or JSON) into span-carrying documents.
pub fn parse(text: &str) -> Stream {
    let mut opts = Options::default();
    opts.set_emit_comments(false);
    let mut parser = Parser::new_from_str_with_options(text, opts);
    let mut stream = Stream::default();
    let mut builder: Option<Builder> = None;
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                let start = span.start.byte_offset().unwrap_or(0);
                let end = span.end.byte_offset().unwrap_or(start);
                let span = Span::new(start, end);
                match event {
                    Event::StreamStart | Event::StreamEnd => {}
                    Event::DocumentStart(..) => builder = Some(Builder::new(start)),
                    Event::DocumentEnd => {
                        if let Some(b) = builder.take() {
                            stream.documents.push(b.doc);
                        }
                    }
                    Event::Scalar(value, style, anchor, tag) => {
                        let b = builder.get_or_insert_with(|| Builder::new(start));
                        let tag = tag.map(|t| t.suffix().into());
                        let kind = Kind::Scalar {
                            value: value.as_ref().into(),
                            style: style_of(style),
                            tag,
                        };
                        if let Some(id) = b.alloc(kind, span, anchor) {
                            b.attach(id);
                        }
                    }
                    Event::SequenceStart(style, anchor, _) => {
                        let b = builder.get_or_insert_with(|| Builder::new(start));
                        if let Some(id) = b.alloc(Kind::Seq(Vec::new()), span, anchor) {
                            let flow = style == StructureStyle::Flow;
                            b.stack.push(Frame::Seq(id, Vec::new(), flow));
                        }
                    }
                    Event::MappingStart(style, anchor, _) => {
                        let b = builder.get_or_insert_with(|| Builder::new(start));
                        if let Some(id) = b.alloc(Kind::Map(Vec::new()), span, anchor) {
                            let flow = style == StructureStyle::Flow;
                            b.stack.push(Frame::Map(id, Vec::new(), None, flow));
                        }
                    }
                    Event::SequenceEnd | Event::MappingEnd => {
                        if let Some(b) = builder.as_mut() {
                            b.close(end);
                        }
                    }
                    Event::Alias(anchor) => {
                        let b = builder.get_or_insert_with(|| Builder::new(start));
                        match b.anchors.get(&anchor).copied() {
                            Some(target) => {
                                if let Some(id) = b.alloc(Kind::Alias(target), span, 0) {
                                    b.attach(id);
                                }
                            }
                            None => stream.errors.push(SyntaxError {
                                offset: start,
                                message: "alias to an unknown anchor".into(),
                            }),
                        }
                    }
                    _ => {}
                }
            }
            Some(Err(err)) => {
                let mark = err.marker();
                let offset = mark
                    .byte_offset()
                    .unwrap_or_else(|| char_to_byte(text, mark.index()));
                stream.errors.push(SyntaxError {
                    offset: offset.min(text.len()),
                    message: clean_message(&err.to_string()),
                });
                // The broken document is dropped whole; later documents still count.
                builder = None;
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(_) => break,
                }
            }
        }
    }
    stream
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

/// granit appends " at byte N line L column C": we print our own position.
fn clean_message(msg: &str) -> String {
    let cut = [" at byte ", " at char ", " at line "]
        .iter()
        .filter_map(|p| msg.find(p))
        .min();
    let m = match cut {
        Some(i) => msg.get(..i).unwrap_or(msg),
        None => msg,
    };
    let m = m.trim();
    if m.contains("recursion limit") || m.contains("nesting limit") {
        return "nesting is deeper than 255 levels".into();
    }
    m.to_string()
}

/// A node of a document, with the navigation rules need.
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    pub doc: &'a Document,
    pub id: NodeId,
}

const EMPTY_ENTRIES: &[(NodeId, NodeId)] = &[];
const EMPTY_ITEMS: &[NodeId] = &[];

impl<'a> NodeRef<'a> {
    pub fn root(doc: &'a Document) -> Option<NodeRef<'a>> {
        doc.root.map(|id| NodeRef { doc, id }.resolve())
    }

    fn node(self) -> Option<&'a Node> {
        self.doc.nodes.get(self.id as usize)
    }

    fn at(self, id: NodeId) -> NodeRef<'a> {
        NodeRef { doc: self.doc, id }.resolve()
    }

    /// Follow an alias to its anchored node (one hop: an anchor is never an alias).
    pub fn resolve(self) -> NodeRef<'a> {
        match self.node().map(|n| &n.kind) {
            Some(Kind::Alias(target)) => NodeRef {
                doc: self.doc,
                id: *target,
            },
            _ => self,
        }
    }

    pub fn span(self) -> Span {
        self.node().map(|n| n.span).unwrap_or_default()
    }

    pub fn kind(self) -> Option<&'a Kind> {
        self.node().map(|n| &n.kind)
    }

    pub fn is_map(self) -> bool {
        matches!(self.kind(), Some(Kind::Map(_)))
    }
    pub fn is_seq(self) -> bool {
        matches!(self.kind(), Some(Kind::Seq(_)))
    }

    /// Map entries (key, value), aliases resolved, merge keys not expanded.
    pub fn entries(self) -> impl Iterator<Item = (NodeRef<'a>, NodeRef<'a>)> + 'a {
        let doc = self.doc;
        let raw = match self.kind() {
            Some(Kind::Map(e)) => e.as_slice(),
            _ => EMPTY_ENTRIES,
        };
        raw.iter().map(move |(k, v)| {
            (
                NodeRef { doc, id: *k }.resolve(),
                NodeRef { doc, id: *v }.resolve(),
            )
        })
    }

    /// Sequence items, aliases resolved.
    pub fn items(self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let doc = self.doc;
        let raw = match self.kind() {
            Some(Kind::Seq(e)) => e.as_slice(),
            _ => EMPTY_ITEMS,
        };
        raw.iter().map(move |id| NodeRef { doc, id: *id }.resolve())
    }

    /// The entry for `key` (the later one when duplicated, as kubectl reads it);
    /// looks into `<<` merge keys as go-yaml does.
    pub fn entry(self, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        self.entry_depth(key, 0)
    }

    fn entry_depth(self, key: &str, depth: u8) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        let Some(Kind::Map(entries)) = self.kind() else {
            return None;
        };
        let mut merge = None;
        for (k, v) in entries.iter().rev() {
            match self.at(*k).scalar_str() {
                Some(text) if text == key => return Some((self.at(*k), self.at(*v))),
                Some("<<") if merge.is_none() => merge = Some(self.at(*v)),
                _ => {}
            }
        }
        // Merge keys: bounded depth, since anchors can point at ancestors.
        let merged = merge?;
        if depth >= 8 {
            return None;
        }
        if merged.is_map() {
            return merged.entry_depth(key, depth + 1);
        }
        merged.items().find_map(|m| m.entry_depth(key, depth + 1))
    }

    pub fn get(self, key: &str) -> Option<NodeRef<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Follow a path of keys.
    pub fn path(self, keys: &[&str]) -> Option<NodeRef<'a>> {
        let mut cur = self;
        for k in keys {
            cur = cur.get(k)?;
        }
        Some(cur)
    }

    /// The span of an entry: from its key to the end of its value.
    pub fn entry_span(self, key: &str) -> Option<Span> {
        self.entry(key).map(|(k, v)| k.span().to(v.span()))
    }

    fn scalar_str(self) -> Option<&'a str> {
        match self.kind()? {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn style(self) -> Option<Style> {
        match self.kind()? {
            Kind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }

    /// The scalar's text, whatever YAML type it has; None for null and collections.
    pub fn as_str(self) -> Option<&'a str> {
        if self.scalar_type() == Some(ScalarType::Null) {
            return None;
        }
        self.scalar_str()
    }

    /// How Kubernetes types this scalar (YAML 1.1 resolution of plain scalars).
    pub fn scalar_type(self) -> Option<ScalarType> {
        let Kind::Scalar { value, style, tag } = self.kind()? else {
            return None;
        };
        if let Some(tag) = tag {
            return Some(match tag.as_ref() {
                "str" | "binary" => ScalarType::Str,
                "int" => ScalarType::Int,
                "float" => ScalarType::Float,
                "bool" => ScalarType::Bool,
                "null" => ScalarType::Null,
                _ => ScalarType::Str,
            });
        }
        if *style != Style::Plain {
            return Some(ScalarType::Str);
        }
        Some(resolve_plain(value))
    }

    pub fn is_null(self) -> bool {
        self.scalar_type() == Some(ScalarType::Null)
    }

    /// YAML 1.1 boolean (`true`, `yes`, `on`, ...), as Kubernetes reads it.
    pub fn as_bool(self) -> Option<bool> {
        if self.scalar_type()? != ScalarType::Bool {
            return None;
        }
        let v = self.scalar_str()?.to_ascii_lowercase();
        Some(matches!(v.as_str(), "true" | "yes" | "y" | "on"))
    }

    pub fn as_i64(self) -> Option<i64> {
        if self.scalar_type()? != ScalarType::Int {
            return None;
        }
        parse_int(self.scalar_str()?)
    }

    /// A sequence or map with no elements, or a null.
    pub fn is_empty_value(self) -> bool {
        match self.kind() {
            Some(Kind::Map(e)) => e.is_empty(),
            Some(Kind::Seq(e)) => e.is_empty(),
            Some(Kind::Scalar { .. }) => self.is_null(),
            _ => true,
        }
    }
}

const BOOLS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
];

/// YAML 1.1 resolution of a plain scalar (go-yaml v2, which Kubernetes uses).
pub fn resolve_plain(v: &str) -> ScalarType {
    if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
        return ScalarType::Null;
    }
    if BOOLS.contains(&v) {
        return ScalarType::Bool;
    }
    if parse_int(v).is_some() {
        return ScalarType::Int;
    }
    if is_float(v) {
        return ScalarType::Float;
    }
    ScalarType::Str
}

fn parse_int(v: &str) -> Option<i64> {
    let (neg, body) = match v.as_bytes().first()? {
        b'-' => (true, v.get(1..)?),
        b'+' => (false, v.get(1..)?),
        _ => (false, v),
    };
    if body.is_empty() || body.starts_with('_') {
        return None;
    }
    let cleaned: String = body.chars().filter(|c| *c != '_').collect();
    let parsed = if let Some(hex) = cleaned.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = cleaned.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()
    } else if cleaned.len() > 1 && cleaned.starts_with('0') {
        i64::from_str_radix(cleaned.get(1..)?, 8).ok()
    } else if cleaned.bytes().all(|b| b.is_ascii_digit()) {
        cleaned.parse::<i64>().ok()
    } else {
        None
    };
    parsed.map(|n| if neg { -n } else { n })
}

fn is_float(v: &str) -> bool {
    let body = v.trim_start_matches(['-', '+']);
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let b = body.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
        return false;
    }
    let cleaned: String = body.chars().filter(|c| *c != '_').collect();
    cleaned.contains(['.', 'e', 'E']) && cleaned.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(doc: &Document) -> NodeRef<'_> {
        NodeRef::root(doc).unwrap()
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a: 1\nb:\n  c: [x, y]\n";
        let s = parse(text);
        assert!(s.errors.is_empty());
        let r = root(&s.documents[0]);
        let (k, v) = r.entry("b").unwrap();
        assert_eq!(&text[k.span().start..k.span().end], "b");
        let c = v.get("c").unwrap();
        assert_eq!(&text[c.span().start..c.span().end], "[x, y]");
        assert_eq!(c.items().count(), 2);
    }

    #[test]
    fn yaml_1_1_typing() {
        let s = parse("a: yes\nb: '3'\nc: 0777\nd: ~\ne: 1.5\nf: on\ng: hello\n");
        let r = root(&s.documents[0]);
        assert_eq!(r.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("b").unwrap().scalar_type(), Some(ScalarType::Str));
        assert_eq!(r.get("c").unwrap().as_i64(), Some(511));
        assert!(r.get("d").unwrap().is_null());
        assert_eq!(r.get("e").unwrap().scalar_type(), Some(ScalarType::Float));
        assert_eq!(r.get("f").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("g").unwrap().as_str(), Some("hello"));
    }

    #[test]
    fn duplicates_are_recorded_and_later_wins() {
        let s = parse("a: 1\nb: 2\na: 3\n");
        let d = &s.documents[0];
        assert_eq!(d.duplicates.len(), 1);
        assert_eq!(root(d).get("a").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn aliases_and_merge_keys_resolve_without_expansion() {
        let s = parse("base: &b {x: 1}\nuse: *b\nm:\n  <<: *b\n  y: 2\n");
        let r = root(&s.documents[0]);
        assert_eq!(r.path(&["use", "x"]).unwrap().as_i64(), Some(1));
        assert_eq!(r.path(&["m", "x"]).unwrap().as_i64(), Some(1));
    }

    #[test]
    fn broken_document_does_not_hide_the_next() {
        let s = parse("a: [1, 2\n---\nb: 1\n");
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.documents.len(), 1);
        assert!(root(&s.documents[0]).get("b").is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = parse(&"[".repeat(200_000));
        assert!(!s.errors.is_empty());
        let s = parse(&format!("{}x", "- ".repeat(200_000)));
        assert!(!s.errors.is_empty());
    }
}
