//! Span-carrying YAML tree built from granit-parser events.
//!
//! Why our own tree: every node keeps its byte range (so a finding can blame the exact
//! key), aliases are kept as references and never expanded (alias bombs cost nothing),
//! duplicate keys are recorded instead of failing the file, and scalars keep their raw
//! text and style so rules can apply Kubernetes' YAML 1.1 typing themselves.
//! Nodes live in a flat arena: building, walking and dropping never recurse on input depth.
//! A scalar is a range of the source (or of a side buffer when escapes changed it) and a
//! collection a range of one shared child array, so a node costs 32 bytes and no allocation.

mod scan;

use granit_parser::{Event, Options, Parser, ScalarStyle, StructureStyle};
use std::collections::HashMap;
use std::sync::Arc;

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

/// An explicit core tag (`!!str 123`), which overrides the resolution of plain scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    None,
    Str,
    Int,
    Float,
    Bool,
    Null,
    Other,
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `at..at+len` of the source, or of the document's side buffer when `owned`.
    Scalar {
        at: u32,
        len: u32,
        owned: bool,
        style: Style,
        tag: Tag,
    },
    /// Items: `len` ids from `first` in the child array.
    Seq { first: u32, len: u32 },
    /// Entries: `len` (key, value) pairs from `first` in the child array. `merged` when it
    /// has `<<` merge keys: its effective entries were resolved once, into `Document::merged`.
    Map { first: u32, len: u32, merged: bool },
    /// Reference to an anchored node of the same document (never expanded).
    Alias(NodeId),
}

/// 20 bytes: a span of u32 offsets (a file is at most `engine::MAX_FILE_BYTES`), not two
/// usizes. A tree has a node per scalar, and the run keeps many trees.
#[derive(Debug)]
pub struct Node {
    pub kind: Kind,
    start: u32,
    end: u32,
}

const _: () = assert!(std::mem::size_of::<Node>() == 20);

/// An offset as a node keeps it (saturated: a laid-out rendered set past 4 GiB would end
/// its spans there rather than panic).
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Node {
    pub fn new(kind: Kind, span: Span) -> Node {
        Node {
            kind,
            start: offset(span.start),
            end: offset(span.end),
        }
    }

    pub fn span(&self) -> Span {
        Span {
            start: self.start as usize,
            end: self.end as usize,
        }
    }

    fn set_span(&mut self, span: Span) {
        self.start = offset(span.start);
        self.end = offset(span.end);
    }
}

/// A file's text, shared by its source and its documents. An `Arc<String>`, not an
/// `Arc<str>`: a file read into a `String` is shared without copying it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(Arc<String>);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Arc::new(s))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Arc::new(s.to_owned()))
    }
}

/// One YAML document of a file.
#[derive(Debug)]
pub struct Document {
    text: Text,
    pub nodes: Vec<Node>,
    children: Vec<NodeId>,
    /// Scalar values that differ from their source text (escapes, folding).
    owned: String,
    pub root: Option<NodeId>,
    /// Where the document starts (its `---` or first content).
    pub start: usize,
    /// Duplicate keys, in document order: the first few of each mapping, then one record
    /// that counts the rest (a file of repeated keys must not cost a finding per line).
    pub duplicates: Vec<Duplicate>,
    /// Effective entries (key, value, blamed alias or NO_VIA) of the mappings with `<<`.
    merged: Vec<[NodeId; 3]>,
    /// Where each merged mapping's effective entries lie in `merged`.
    merged_at: HashMap<NodeId, (u32, u32)>,
    /// Built from a rendered tree: its nodes come from several files (spans are offsets in
    /// the set's texts laid end to end), so children are not in source order.
    pub rendered: bool,
}

/// A document made node by node (a rendered kustomization's object): every scalar value in
/// the side buffer, every node with the span given.
pub struct DocumentBuilder {
    doc: Document,
}

impl DocumentBuilder {
    pub fn new(text: Text) -> Self {
        DocumentBuilder {
            doc: Document {
                text,
                nodes: Vec::new(),
                children: Vec::new(),
                owned: String::new(),
                root: None,
                start: 0,
                duplicates: Vec::new(),
                merged: Vec::new(),
                merged_at: HashMap::new(),
                rendered: true,
            },
        }
    }

    fn push(&mut self, kind: Kind, span: Span) -> Option<NodeId> {
        let id = NodeId::try_from(self.doc.nodes.len()).ok()?;
        self.doc.nodes.push(Node::new(kind, span));
        Some(id)
    }

    pub fn scalar(&mut self, value: &str, style: Style, tag: Tag, span: Span) -> Option<NodeId> {
        let at = u32::try_from(self.doc.owned.len()).ok()?;
        let len = u32::try_from(value.len()).ok()?;
        self.doc.owned.push_str(value);
        self.push(
            Kind::Scalar {
                at,
                len,
                owned: true,
                style,
                tag,
            },
            span,
        )
    }

    /// A sequence of nodes already made.
    pub fn seq(&mut self, items: &[NodeId], span: Span) -> Option<NodeId> {
        let first = u32::try_from(self.doc.children.len()).ok()?;
        let len = u32::try_from(items.len()).ok()?;
        self.doc.children.extend_from_slice(items);
        self.push(Kind::Seq { first, len }, span)
    }

    /// A mapping of (key, value) nodes already made, given flat: key, value, key, ...
    pub fn map(&mut self, pairs: &[NodeId], span: Span) -> Option<NodeId> {
        let first = u32::try_from(self.doc.children.len()).ok()?;
        let len = u32::try_from(pairs.len() / 2).ok()?;
        self.doc
            .children
            .extend_from_slice(pairs.get(..pairs.len() / 2 * 2)?);
        self.push(
            Kind::Map {
                first,
                len,
                merged: false,
            },
            span,
        )
    }

    pub fn finish(mut self, root: NodeId, start: usize) -> Document {
        self.doc.root = Some(root);
        self.doc.start = start;
        self.doc
    }
}

impl Document {
    /// Every mapping entry (from its key to the end of its value) and every sequence item:
    /// the YAML nodes a suppression comment can speak of. In no particular order.
    pub fn regions(&self, mut f: impl FnMut(Span)) {
        let span = |id: &NodeId| self.nodes.get(*id as usize).map(Node::span);
        for node in &self.nodes {
            match node.kind {
                Kind::Map { first, len, .. } => {
                    let from = first as usize;
                    let kids = self
                        .children
                        .get(from..from.saturating_add(2 * len as usize))
                        .unwrap_or_default();
                    for kv in kids.chunks_exact(2) {
                        if let (Some(k), Some(v)) =
                            (kv.first().and_then(span), kv.get(1).and_then(span))
                        {
                            f(Span::new(k.start, k.end.max(v.end)));
                        }
                    }
                }
                Kind::Seq { first, len } => {
                    let from = first as usize;
                    self.children
                        .get(from..from.saturating_add(len as usize))
                        .unwrap_or_default()
                        .iter()
                        .filter_map(span)
                        .for_each(&mut f);
                }
                _ => {}
            }
        }
    }
}

/// A key written twice in one mapping.
#[derive(Debug, Clone, Copy)]
pub struct Duplicate {
    /// The key's first occurrence.
    pub first: NodeId,
    /// The later occurrence (the one kubectl keeps).
    pub second: NodeId,
    /// 0 for a listed duplicate; else this record stands for `more` further duplicates of
    /// the mapping, from `second` on, that are not listed one by one.
    pub more: u32,
}

/// Duplicates of one mapping listed one by one before the rest are counted.
pub const LISTED_DUPLICATES: usize = 3;

/// `via` of a merged entry written inside the mapping itself (no alias to blame).
const NO_VIA: NodeId = NodeId::MAX;

/// The budget of merged entries of a file: proportional to its size (as YAML libraries
/// budget alias expansion), capped so that no input costs more than ~50 MB of entries.
fn merge_budget(bytes: usize) -> usize {
    (4096 + 4 * bytes).min(4_000_000)
}

/// A syntax error with its byte position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
    /// Bytes to underline from `offset` (0: the character there).
    pub len: usize,
    /// How to fix it, when the generic advice of invalid-yaml does not fit.
    pub help: Option<&'static str>,
}

impl SyntaxError {
    pub fn new(offset: usize, message: impl Into<String>) -> Self {
        SyntaxError {
            offset,
            message: message.into(),
            len: 0,
            help: None,
        }
    }
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

/// An open collection: its node, where its children start on the scratch stack, and
/// whether it is flow style (`[..]`, `{..}`).
struct Frame {
    id: NodeId,
    from: usize,
    map: bool,
    flow: bool,
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

fn tag_of(suffix: &str) -> Tag {
    match suffix {
        "str" | "binary" => Tag::Str,
        "int" => Tag::Int,
        "float" => Tag::Float,
        "bool" => Tag::Bool,
        "null" => Tag::Null,
        _ => Tag::Other,
    }
}

struct Builder {
    doc: Document,
    stack: Vec<Frame>,
    /// Children of the open collections, innermost last.
    scratch: Vec<NodeId>,
    /// The children of the collection being closed (kept: not a new vector per collection).
    kids: Vec<NodeId>,
    anchors: HashMap<usize, NodeId>,
    /// Merged entries the rest of the file may still add.
    budget: usize,
    /// Why this document cannot be read (a merge that reaches its own mapping, a merge
    /// bomb): it is then reported like a syntax error and dropped.
    failed: Option<SyntaxError>,
}

/// Bytes per node in manifests, about (the real corpus has one per 25): a document's arrays
/// are sized from the bytes left, not grown a doubling at a time.
const BYTES_PER_NODE: usize = 24;

/// At most this many nodes are reserved ahead (a file of many small documents would
/// reserve its rest for each).
const RESERVED_NODES: usize = 4096;

impl Builder {
    fn new(text: &Text, start: usize, budget: usize) -> Self {
        let expected = (text.len().saturating_sub(start) / BYTES_PER_NODE).min(RESERVED_NODES);
        Builder {
            doc: Document {
                text: text.clone(),
                nodes: Vec::with_capacity(expected),
                children: Vec::with_capacity(expected),
                owned: String::new(),
                root: None,
                start,
                duplicates: Vec::new(),
                merged: Vec::new(),
                merged_at: HashMap::new(),
                rendered: false,
            },
            // Working arrays sized for a manifest's usual depth and widest mapping.
            stack: Vec::with_capacity(16),
            scratch: Vec::with_capacity(64),
            kids: Vec::with_capacity(32),
            anchors: HashMap::new(),
            budget,
            failed: None,
        }
    }

    fn alloc(&mut self, kind: Kind, span: Span, anchor: usize) -> Option<NodeId> {
        let id = NodeId::try_from(self.doc.nodes.len()).ok()?;
        self.doc.nodes.push(Node::new(kind, span));
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        Some(id)
    }

    fn attach(&mut self, id: NodeId) {
        if self.stack.is_empty() {
            self.doc.root = Some(id);
        } else {
            self.scratch.push(id);
        }
    }

    /// Store a scalar's value: a range of the source when the parser borrowed it from
    /// there, else a range of the side buffer.
    fn scalar(&mut self, value: &str, src: &str) -> Option<(u32, u32, bool)> {
        let len = u32::try_from(value.len()).ok()?;
        let base = src.as_ptr() as usize;
        let at = (value.as_ptr() as usize).wrapping_sub(base);
        // Inside the source's bytes, the value is that range of them: no need to compare
        // (a comparison cost a memcmp per scalar).
        if at <= src.len() && src.len() - at >= value.len() && src.is_char_boundary(at) {
            return Some((u32::try_from(at).ok()?, len, false));
        }
        let at = u32::try_from(self.doc.owned.len()).ok()?;
        self.doc.owned.push_str(value);
        Some((at, len, true))
    }

    fn close(&mut self, end: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let from = frame.from.min(self.scratch.len());
        let mut kids = std::mem::take(&mut self.kids);
        kids.clear();
        kids.extend(self.scratch.drain(from..));
        // A key without a value (broken input only) gets no entry.
        if frame.map && kids.len() % 2 == 1 {
            kids.pop();
        }
        let last = kids.last().copied();
        let first = u32::try_from(self.doc.children.len()).unwrap_or(u32::MAX);
        let count = kids.len();
        let mut merged = false;
        if frame.map {
            self.find_duplicates(&kids);
            merged = self.resolve_merges(frame.id, &kids);
        }
        self.doc.children.extend_from_slice(&kids);
        self.kids = kids;
        let len = u32::try_from(if frame.map { count / 2 } else { count }).unwrap_or(0);
        let kind = if frame.map {
            Kind::Map { first, len, merged }
        } else {
            Kind::Seq { first, len }
        };
        // A block collection's end event sits on the next token: end it at its last child.
        let end = match last.and_then(|l| self.doc.nodes.get(l as usize)) {
            Some(child) if !frame.flow => child.span().end,
            _ => end,
        };
        if let Some(node) = self.doc.nodes.get_mut(frame.id as usize) {
            node.kind = kind;
            let start = node.span().start;
            node.set_span(Span {
                start,
                end: end.max(start),
            });
        }
        self.attach(frame.id);
    }

    /// A key's text (through an alias), None for collections.
    fn key_text(&self, id: NodeId) -> Option<&str> {
        NodeRef::new(&self.doc, id).resolve().scalar_str()
    }

    fn find_duplicates(&mut self, kids: &[NodeId]) {
        let mut listed = 0;
        let mut rest: Option<Duplicate> = None;
        let mut dups = Vec::new();
        let mut record = |first: NodeId, second: NodeId| {
            if listed < LISTED_DUPLICATES {
                listed += 1;
                dups.push(Duplicate {
                    first,
                    second,
                    more: 0,
                });
            } else {
                let r = rest.get_or_insert(Duplicate {
                    first,
                    second,
                    more: 0,
                });
                r.more += 1;
            }
        };
        let keys = kids.iter().step_by(2).copied();
        if kids.len() <= 32 {
            for (i, k) in keys.enumerate() {
                let Some(text) = self.key_text(k).filter(|t| *t != "<<") else {
                    continue;
                };
                let earlier = kids.iter().step_by(2).take(i);
                if let Some(first) = earlier.copied().find(|p| self.key_text(*p) == Some(text)) {
                    record(first, k);
                }
            }
        } else {
            let mut seen: HashMap<&str, NodeId> = HashMap::with_capacity(kids.len() / 2);
            for k in keys {
                let Some(text) = self.key_text(k).filter(|t| *t != "<<") else {
                    continue;
                };
                match seen.get(text) {
                    Some(first) => record(*first, k),
                    None => {
                        seen.insert(text, k);
                    }
                }
            }
        }
        dups.extend(rest);
        self.doc.duplicates.extend(dups);
    }

    /// Resolve the `<<` merge keys of a mapping being closed, once: its own entries (the
    /// later of duplicates winning), then the keys of each merged mapping, in order, that
    /// no earlier entry defines. A merged mapping was closed (and resolved) before, so its
    /// own merges are already in its entries: no recursion, and each key a merge
    /// contributes is paid for from the file's budget. A merge of a mapping that is still
    /// open is a merge of an ancestor, which reaches the mapping itself: rejected.
    /// Returns whether the mapping has merge keys.
    fn resolve_merges(&mut self, id: NodeId, kids: &[NodeId]) -> bool {
        let pairs = || {
            kids.chunks_exact(2)
                .filter_map(|kv| Some((*kv.first()?, *kv.get(1)?)))
        };
        let merges: Vec<(NodeId, NodeId)> = pairs()
            .filter(|(k, _)| self.key_text(*k) == Some("<<"))
            .collect();
        if merges.is_empty() {
            return false;
        }
        if self.failed.is_some() {
            return true;
        }
        // The mappings to merge, in order, each with the alias it was reached through.
        let mut sources: Vec<(NodeId, NodeId, NodeId)> = Vec::new(); // (map, via, `<<` key)
        let deref = |doc: &Document, n: NodeId, via: NodeId| match doc.nodes.get(n as usize) {
            Some(Node {
                kind: Kind::Alias(t),
                ..
            }) => (*t, if via == NO_VIA { n } else { via }),
            _ => (n, via),
        };
        for (key, value) in &merges {
            let (target, via) = deref(&self.doc, *value, NO_VIA);
            if target == id || self.stack.iter().any(|f| f.id == target) {
                return self.fail(*key, "this merge key merges a mapping that contains it");
            }
            match self.doc.nodes.get(target as usize).map(|n| n.kind) {
                Some(Kind::Map { .. }) => sources.push((target, via, *key)),
                Some(Kind::Seq { first, len }) => {
                    let items = self
                        .doc
                        .children
                        .get(first as usize..(first as usize).saturating_add(len as usize))
                        .unwrap_or_default();
                    for item in items {
                        let (m, v) = deref(&self.doc, *item, via);
                        if m == id || self.stack.iter().any(|f| f.id == m) {
                            return self
                                .fail(*key, "this merge key merges a mapping that contains it");
                        }
                        if matches!(
                            self.doc.nodes.get(m as usize).map(|n| n.kind),
                            Some(Kind::Map { .. })
                        ) {
                            sources.push((m, v, *key));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut out: Vec<[NodeId; 3]> = Vec::new();
        let mut defined: HashMap<&str, usize> = HashMap::new();
        let doc = &self.doc;
        let text = |k: NodeId| NodeRef::new(doc, k).resolve().scalar_str();
        for (k, v) in pairs() {
            match text(k) {
                Some("<<") => {}
                Some(t) => match defined.get(t) {
                    // A duplicate: the later value wins, in the first one's place.
                    Some(&i) => {
                        if let Some(slot) = out.get_mut(i) {
                            *slot = [k, v, NO_VIA];
                        }
                    }
                    None => {
                        defined.insert(t, out.len());
                        out.push([k, v, NO_VIA]);
                    }
                },
                None => out.push([k, v, NO_VIA]),
            }
        }
        let mut budget = self.budget;
        let mut blown = None;
        'sources: for (src, via, key) in &sources {
            // Each source costs one unit even when empty: `<<: [*e, *e, ...]` is work too.
            if budget == 0 {
                blown = Some(*key);
                break;
            }
            budget -= 1;
            let entries: Vec<[NodeId; 3]> = match doc.merged_at.get(src) {
                Some(&(at, len)) => doc
                    .merged
                    .get(at as usize..at as usize + len as usize)
                    .unwrap_or_default()
                    .to_vec(),
                None => {
                    let raw = match doc.nodes.get(*src as usize).map(|n| n.kind) {
                        Some(Kind::Map { first, len, .. }) => doc
                            .children
                            .get(first as usize..(first as usize).saturating_add(2 * len as usize))
                            .unwrap_or_default(),
                        _ => &[],
                    };
                    raw.chunks_exact(2)
                        .filter_map(|kv| Some([*kv.first()?, *kv.get(1)?, NO_VIA]))
                        .collect()
                }
            };
            for [k, v, inner] in entries {
                let t = text(k);
                if t.is_some_and(|t| defined.contains_key(t)) {
                    continue;
                }
                if budget == 0 {
                    blown = Some(*key);
                    break 'sources;
                }
                budget -= 1;
                if let Some(t) = t {
                    defined.insert(t, out.len());
                }
                // The alias that reached the source is blamed, else the source's own.
                let blame = if *via == NO_VIA { inner } else { *via };
                out.push([k, v, blame]);
            }
        }
        self.budget = budget;
        if let Some(key) = blown {
            let limit = merge_budget(self.doc.text.len());
            return self.fail(
                key,
                &format!(
                    "merge keys would copy more than {limit} entries, this file's budget: \
                     refused as a merge-key bomb"
                ),
            );
        }
        let at = u32::try_from(self.doc.merged.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(out.len()).unwrap_or(0);
        self.doc.merged.extend(out);
        self.doc.merged_at.insert(id, (at, len));
        true
    }

    /// Mark the document unreadable, blaming the merge key `at`.
    fn fail(&mut self, at: NodeId, message: &str) -> bool {
        let span = self
            .doc
            .nodes
            .get(at as usize)
            .map_or(Span::new(self.doc.start, self.doc.start), Node::span);
        self.failed.get_or_insert(SyntaxError {
            offset: span.start,
            message: message.into(),
            len: span.end - span.start,
            help: Some(
                "write the keys out, or merge only mappings that neither contain this one \
                 nor multiply their keys; kubectl refuses this document too",
            ),
        });
        true
    }
}

/// Parse text (multi-document YAML or JSON) into span-carrying documents.
pub fn parse(text: &str) -> Stream {
    parse_shared(&Text::from(text))
}

/// Parse a shared source without copying it: the documents point into it.
pub fn parse_shared(text: &Text) -> Stream {
    parse_range(text, 0, text.len())
}

/// Parse `text[from..to]` (one value of a JSON stream, say), with spans in `text`'s offsets.
/// The fast scanner reads what manifests are written in; anything else (or anything it
/// doubts) goes to granit-parser. Both build the tree through the same `Sink`, and
/// tests/scanner.rs and the `scanner` fuzz target check that they build the same one.
pub fn parse_range(text: &Text, from: usize, to: usize) -> Stream {
    let budget = merge_budget(to.saturating_sub(from));
    if let Some(stream) = in_pieces(text, from, to, budget, PIECE_BYTES) {
        return stream;
    }
    if let Some((stream, _)) = scan::scan(text, from, to, budget) {
        return stream;
    }
    by_documents(text, from, to, to, budget)
        .map_or_else(|| parse_range_granit(text, from, to, budget).0, |(s, _)| s)
}

/// Documents of a large stream are parsed in pieces of about this many bytes, in parallel.
const PIECE_BYTES: usize = 256 * 1024;

/// A large stream (a CRD bundle, a `helm template` output) cut between documents into
/// pieces parsed in parallel, each as `parse_range` would, each allowed the whole merge
/// budget. None, for one parse of the whole, when the stream is small or has no cut, when
/// a piece has an error (granit-parser recovers its own way), or when the pieces together
/// spend more than the budget (the whole's parse says which document overspends).
fn in_pieces(text: &Text, from: usize, to: usize, budget: usize, piece: usize) -> Option<Stream> {
    in_pieces_until(text, from, to, to, budget, piece).map(|(s, _)| s)
}

/// `in_pieces` for `text[from..stop]` read with the text up to `to` in view (a window of a
/// larger stream); also what is left of the budget.
fn in_pieces_until(
    text: &Text,
    from: usize,
    stop: usize,
    to: usize,
    budget: usize,
    piece: usize,
) -> Option<(Stream, usize)> {
    use rayon::prelude::*;
    if stop.saturating_sub(from) < 2 * piece {
        return None;
    }
    let bounds = spaced_cuts(text.as_bytes(), from, stop, piece)?;
    let parts: Vec<(Stream, usize)> = bounds
        .par_windows(2)
        .map(|w| match *w {
            [a, z] => scan::scan_until(text, a, z, to, budget)
                .or_else(|| by_documents(text, a, z, to, budget))
                .unwrap_or_else(|| parse_granit_until(text, a, z, to, budget)),
            _ => (Stream::default(), budget),
        })
        .collect();
    let spent: usize = parts
        .iter()
        .map(|(_, left)| budget.saturating_sub(*left))
        .sum();
    let documents: usize = parts.iter().map(|(s, _)| s.documents.len()).sum();
    if spent > budget
        || documents > MAX_DOCUMENTS
        || parts.iter().any(|(s, _)| !s.errors.is_empty())
    {
        return None;
    }
    let mut out = Stream::default();
    out.documents.reserve_exact(documents);
    for (part, _) in parts {
        out.documents.extend(part.documents);
    }
    Some((out, budget - spent))
}

/// A large stream cut between documents into windows of about `window` bytes, for a reader
/// that holds one window's tree at a time: the windows' bounds (the first 0, the last the
/// text's end). None when it cannot be cut (one document, directives, too many documents).
pub fn windows(text: &Text, window: usize) -> Option<Vec<usize>> {
    spaced_cuts(text.as_bytes(), 0, text.len(), window)
}

/// `b[from..stop]` cut between documents into parts of at least `size` bytes (the last at
/// least half that): the parts' bounds, from `from` to `stop`; None when there is no cut.
fn spaced_cuts(b: &[u8], from: usize, stop: usize, size: usize) -> Option<Vec<usize>> {
    let mut bounds = vec![from];
    for cut in document_cuts(b, from, stop)? {
        let last = bounds.last().copied().unwrap_or(from);
        if cut.saturating_sub(last) >= size && stop.saturating_sub(cut) >= size / 2 {
            bounds.push(cut);
        }
    }
    if bounds.len() < 2 {
        return None;
    }
    bounds.push(stop);
    Some(bounds)
}

/// The merge budget of a text of `len` bytes, which its windows spend one after the other.
pub fn window_budget(len: usize) -> usize {
    merge_budget(len)
}

/// The documents of window `text[from..stop]`, read as a parse of the whole text reads them
/// (with the text after the window in view), given what is left of the text's merge budget;
/// also what is left of it after. None when the window has an error or spends more: the
/// whole is then parsed at once, and its parse says what and where.
pub fn parse_window(
    text: &Text,
    from: usize,
    stop: usize,
    budget: usize,
) -> Option<(Stream, usize)> {
    let to = text.len();
    let (stream, left) = in_pieces_until(text, from, stop, to, budget, PIECE_BYTES)
        .or_else(|| scan::scan_until(text, from, stop, to, budget))
        .or_else(|| by_documents(text, from, stop, to, budget))
        .unwrap_or_else(|| parse_granit_until(text, from, stop, to, budget));
    stream.errors.is_empty().then_some((stream, left))
}

/// A stream the scanner declines, parsed a document at a time: the scanner's documents by
/// the scanner, the others by granit-parser (one tab or tag in a `helm template` output
/// would otherwise send all of it to the parser four times slower). None, for granit-parser
/// to read it whole as before, when the stream has directives, fewer than two documents, or
/// an error anywhere: a document marker at the start of a line always ends a document, so
/// valid documents, each read with the text after it in view, are read as in the stream,
/// and errors keep granit's own recovery. The merge budget is the stream's, spent document
/// after document; what is left of it is given back.
fn by_documents(
    text: &Text,
    from: usize,
    stop: usize,
    to: usize,
    mut budget: usize,
) -> Option<(Stream, usize)> {
    let cuts = document_cuts(text.as_bytes(), from, stop)?;
    let mut out = Stream::default();
    let mut start = from;
    for end in cuts.into_iter().chain(std::iter::once(stop)) {
        if end <= start {
            continue;
        }
        // Each document sees the text after it, as in a parse of the whole (an empty block
        // scalar before a marker ends elsewhere than one at the end of the text).
        let (part, left) = scan::scan_until(text, start, end, to, budget)
            .unwrap_or_else(|| parse_granit_until(text, start, end, to, budget));
        if !part.errors.is_empty() || out.documents.len() + part.documents.len() > MAX_DOCUMENTS {
            return None;
        }
        budget = left;
        out.documents.extend(part.documents);
        start = end;
    }
    Some((out, budget))
}

/// Where `b[from..to]` can be cut between documents: before each line that starts with a
/// `---` marker, after each line that starts with a `...` marker (in YAML, no content line
/// can start with either). None when there is no cut, or a line starts with `%` (a
/// directive belongs to the document after it).
/// Does `line` start with the document marker `m` (`---` or `...`), alone or before a space?
pub(crate) fn is_marker(line: &[u8], m: &[u8]) -> bool {
    line.starts_with(m)
        && line
            .get(3)
            .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
}

fn document_cuts(b: &[u8], from: usize, to: usize) -> Option<Vec<usize>> {
    let b = b.get(..to)?;
    let mut cuts = Vec::new();
    let mut line = from;
    while line < to {
        let next = memchr::memchr(b'\n', b.get(line..)?).map_or(to, |n| line + n + 1);
        let rest = b.get(line..next)?;
        let marker = |m: &[u8]| is_marker(rest, m);
        if rest.first() == Some(&b'%') {
            return None;
        }
        if cuts.len() > MAX_DOCUMENTS {
            // Past the documents a file may hold: the whole's parse says where.
            return None;
        }
        if marker(b"---") && line > from {
            cuts.push(line);
        } else if marker(b"...") {
            // After the marker's line break, which may be a lone CR.
            let cut = match rest.iter().skip(3).position(|c| matches!(c, b'\r' | b'\n')) {
                Some(k) => {
                    let at = line + 3 + k;
                    at + if b.get(at..at + 2) == Some(b"\r\n") {
                        2
                    } else {
                        1
                    }
                }
                None => next,
            };
            cuts.push(cut);
        }
        line = next;
    }
    (!cuts.is_empty()).then_some(cuts)
}

/// Parse in parallel pieces of about `piece` bytes, as a large stream is (`in_pieces`); None
/// when it would be parsed whole. For the fuzz target, which tries small pieces.
#[doc(hidden)]
pub fn parse_in_pieces(text: &str, piece: usize) -> Option<Stream> {
    let text = Text::from(text);
    in_pieces(&text, 0, text.len(), merge_budget(text.len()), piece.max(1))
}

/// Parse window after window of about `window` bytes, as a large file is read (`windows`,
/// `parse_window`); None when it would be parsed whole (no cut, or a window that cannot be
/// read alone). For the tests and the fuzz target, which try small windows.
#[doc(hidden)]
pub fn parse_in_windows(text: &str, window: usize) -> Option<Stream> {
    let text = Text::from(text);
    let mut budget = window_budget(text.len());
    let mut out = Stream::default();
    for w in windows(&text, window.max(1))?.windows(2) {
        let [a, z] = *w else { continue };
        let (part, left) = parse_window(&text, a, z, budget)?;
        budget = left;
        out.documents.extend(part.documents);
    }
    Some(out)
}

/// Parse with granit-parser only (the reference the scanner is compared with).
pub fn parse_granit(text: &str) -> Stream {
    let text = Text::from(text);
    parse_range_granit(&text, 0, text.len(), merge_budget(text.len())).0
}

/// Parse with the fast scanner only: None when the input is not in its subset.
pub fn parse_scanner(text: &str) -> Option<Stream> {
    let text = Text::from(text);
    scan::scan(&text, 0, text.len(), merge_budget(text.len())).map(|(s, _)| s)
}

/// Documents read from one file at most: past them, an error and the rest unread. Each
/// document costs a few hundred bytes even empty, and 16 M `---` lines fit in 64 MiB.
pub const MAX_DOCUMENTS: usize = 50_000;

/// The error of a file with more than `MAX_DOCUMENTS` documents (or JSON values), at the
/// first one not read.
pub fn too_many_documents(at: usize) -> SyntaxError {
    SyntaxError::new(
        at,
        format!("more than {MAX_DOCUMENTS} documents in one file: the rest are not read"),
    )
}

/// Receives what a parser reads, document by document, and builds the trees.
struct Sink<'t> {
    text: &'t Text,
    stream: Stream,
    builder: Option<Builder>,
    budget: usize,
    /// Documents started.
    started: usize,
    /// Past `MAX_DOCUMENTS`: the parser stops.
    over: bool,
}

impl<'t> Sink<'t> {
    /// A sink whose documents may copy `budget` merged entries in all.
    fn new(text: &'t Text, budget: usize) -> Self {
        Sink {
            text,
            stream: Stream::default(),
            builder: None,
            budget,
            started: 0,
            over: false,
        }
    }

    fn doc_start(&mut self, start: usize) {
        self.started += 1;
        if self.started > MAX_DOCUMENTS {
            self.builder = None;
            if !self.over {
                self.over = true;
                self.stream.errors.push(too_many_documents(start));
            }
            return;
        }
        self.builder = Some(Builder::new(self.text, start, self.budget));
    }

    fn doc_end(&mut self) {
        if let Some(b) = self.builder.take() {
            self.budget = b.budget;
            match b.failed {
                Some(e) => self.stream.errors.push(e),
                None => {
                    let mut doc = b.doc;
                    // Kept trees hold no reserve.
                    doc.nodes.shrink_to_fit();
                    doc.children.shrink_to_fit();
                    self.stream.documents.push(doc);
                }
            }
        }
    }

    fn builder(&mut self, start: usize) -> &mut Builder {
        let (text, budget) = (self.text, self.budget);
        self.builder
            .get_or_insert_with(|| Builder::new(text, start, budget))
    }

    fn scalar(
        &mut self,
        value: &str,
        style: Style,
        tag: Tag,
        span: Span,
        anchor: usize,
    ) -> Option<NodeId> {
        let src: &str = self.text;
        let b = self.builder(span.start);
        let (at, len, owned) = b.scalar(value, src)?;
        let kind = Kind::Scalar {
            at,
            len,
            owned,
            style,
            tag,
        };
        let id = b.alloc(kind, span, anchor)?;
        b.attach(id);
        Some(id)
    }

    fn open(&mut self, map: bool, flow: bool, span: Span, anchor: usize) -> Option<NodeId> {
        let b = self.builder(span.start);
        let placeholder = Kind::Seq { first: 0, len: 0 };
        let id = b.alloc(placeholder, span, anchor)?;
        let from = b.scratch.len();
        b.stack.push(Frame {
            id,
            from,
            map,
            flow,
        });
        Some(id)
    }

    fn close(&mut self, end: usize) {
        if let Some(b) = self.builder.as_mut() {
            b.close(end);
        }
    }

    /// Where a node starts, once known (an indentless sequence starts at its first item).
    fn set_start(&mut self, id: NodeId, start: usize) {
        if let Some(node) = self
            .builder
            .as_mut()
            .and_then(|b| b.doc.nodes.get_mut(id as usize))
        {
            node.set_span(Span::new(start, node.span().end.max(start)));
        }
    }

    fn alias(&mut self, anchor: usize, span: Span) {
        let b = self.builder(span.start);
        match b.anchors.get(&anchor).copied() {
            Some(target) => {
                if let Some(id) = b.alloc(Kind::Alias(target), span, 0) {
                    b.attach(id);
                }
            }
            None => self
                .stream
                .errors
                .push(SyntaxError::new(span.start, "alias to an unknown anchor")),
        }
    }

    /// The documents built, and what is left of the merge budget.
    fn finish(self) -> (Stream, usize) {
        (self.stream, self.budget)
    }
}

/// Compare two parses of one text node by node (the scanner with granit-parser): kind,
/// span, style, tag, value, children, duplicate keys, merged entries, errors. Ok with the
/// number of nodes compared, or the first difference.
pub fn compare(a: &Stream, b: &Stream) -> Result<usize, String> {
    let errs = |s: &Stream| -> Vec<(usize, usize, String)> {
        s.errors
            .iter()
            .map(|e| (e.offset, e.len, e.message.clone()))
            .collect()
    };
    if errs(a) != errs(b) {
        return Err(format!("errors differ: {:?} vs {:?}", errs(a), errs(b)));
    }
    if a.documents.len() != b.documents.len() {
        return Err(format!(
            "{} documents vs {}",
            a.documents.len(),
            b.documents.len()
        ));
    }
    let mut nodes = 0;
    for (i, (x, y)) in a.documents.iter().zip(&b.documents).enumerate() {
        let fail = |what: String| Err(format!("document {i}: {what}"));
        if (x.start, x.root, x.nodes.len()) != (y.start, y.root, y.nodes.len()) {
            return fail(format!(
                "start/root/nodes {:?} vs {:?}",
                (x.start, x.root, x.nodes.len()),
                (y.start, y.root, y.nodes.len())
            ));
        }
        for id in 0..x.nodes.len() {
            let id = id as NodeId;
            let (p, q) = (NodeRef::new(x, id), NodeRef::new(y, id));
            let describe = |n: NodeRef| -> String {
                let kind = match n.kind() {
                    Some(Kind::Scalar { style, tag, .. }) => {
                        format!("scalar {style:?} {tag:?} {:?}", n.scalar_str())
                    }
                    Some(Kind::Seq { first, len }) => {
                        format!("seq {:?}", n.children(first, len as usize))
                    }
                    Some(Kind::Map { first, len, merged }) => format!(
                        "map merged={merged} {:?} {:?}",
                        n.children(first, 2 * len as usize),
                        n.merged_entries()
                    ),
                    Some(Kind::Alias(t)) => format!("alias {t}"),
                    None => "none".into(),
                };
                format!("{kind} at {:?}", n.span())
            };
            let (dp, dq) = (describe(p), describe(q));
            if dp != dq {
                return fail(format!("node {id}: {dp} vs {dq}"));
            }
        }
        let dups = |d: &Document| -> Vec<(NodeId, NodeId, u32)> {
            d.duplicates
                .iter()
                .map(|u| (u.first, u.second, u.more))
                .collect()
        };
        if dups(x) != dups(y) {
            return fail(format!("duplicates {:?} vs {:?}", dups(x), dups(y)));
        }
        nodes += x.nodes.len();
    }
    Ok(nodes)
}

/// Parse `text[from..to]` with granit-parser; its documents may copy `budget` merged
/// entries in all. Gives what is left of the budget.
fn parse_range_granit(text: &Text, from: usize, to: usize, budget: usize) -> (Stream, usize) {
    parse_granit_until(text, from, to, to, budget)
}

/// `parse_range_granit`, of the documents before the line at `stop` (a line that starts
/// with a document marker, or `to`): the parser sees the text after it, as in a parse of
/// the whole, and stops at the document that starts there. Content read past `stop` is an
/// error (the caller parses the whole instead).
fn parse_granit_until(
    text: &Text,
    from: usize,
    stop: usize,
    to: usize,
    budget: usize,
) -> (Stream, usize) {
    let src: &str = text;
    let Some(part) = src.get(from..to) else {
        return (Stream::default(), budget);
    };
    let mut opts = Options::default();
    opts.set_emit_comments(false);
    let mut parser = Parser::new_from_str_with_options(part, opts);
    let mut sink = Sink::new(text, budget);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                let start = from + span.start.byte_offset().unwrap_or(0);
                let end = from + span.end.byte_offset().unwrap_or(start - from);
                let span = Span::new(start, end);
                if sink.over {
                    break;
                }
                if stop < to && end > stop {
                    if !matches!(event, Event::DocumentStart(..)) {
                        sink.stream.errors.push(SyntaxError::new(
                            stop,
                            "content read past a document marker",
                        ));
                    }
                    break;
                }
                match event {
                    Event::StreamStart | Event::StreamEnd => {}
                    Event::DocumentStart(..) => sink.doc_start(start),
                    Event::DocumentEnd => sink.doc_end(),
                    Event::Scalar(value, style, anchor, tag) => {
                        let tag = tag.map_or(Tag::None, |t| tag_of(t.suffix()));
                        sink.scalar(&value, style_of(style), tag, span, anchor);
                    }
                    Event::SequenceStart(style, anchor, _)
                    | Event::MappingStart(style, anchor, _) => {
                        let map = matches!(event, Event::MappingStart(..));
                        sink.open(map, style == StructureStyle::Flow, span, anchor);
                    }
                    Event::SequenceEnd | Event::MappingEnd => sink.close(end),
                    Event::Alias(anchor) => sink.alias(anchor, span),
                    _ => {}
                }
            }
            Some(Err(err)) => {
                let mark = err.marker();
                let offset = from
                    + mark
                        .byte_offset()
                        .unwrap_or_else(|| char_to_byte(part, mark.index()));
                sink.stream.errors.push(SyntaxError::new(
                    offset.min(src.len()),
                    clean_message(&err.to_string()),
                ));
                // The broken document is dropped whole; later documents still count.
                if let Some(b) = sink.builder.take() {
                    sink.budget = b.budget;
                }
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(_) => break,
                }
            }
        }
    }
    sink.finish()
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

/// A node of a document, with the navigation rules need. Reached through an alias, it
/// reads the anchored node but keeps the alias's place: a finding on it points where the
/// value is used, not at the anchor in another object.
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    pub doc: &'a Document,
    pub id: NodeId,
    via: NodeId,
}

impl<'a> NodeRef<'a> {
    pub fn new(doc: &'a Document, id: NodeId) -> NodeRef<'a> {
        NodeRef { doc, id, via: id }
    }

    pub fn root(doc: &'a Document) -> Option<NodeRef<'a>> {
        doc.root.map(|id| NodeRef::new(doc, id).resolve())
    }

    fn node(self) -> Option<&'a Node> {
        self.doc.nodes.get(self.id as usize)
    }

    /// A child of this node. Inside a collection reached through an alias, the child's own
    /// text belongs to the anchor (often another object): it is blamed on the alias too.
    fn at(self, id: NodeId) -> NodeRef<'a> {
        let child = NodeRef::new(self.doc, id).resolve();
        if self.via != self.id {
            NodeRef {
                via: self.via,
                ..child
            }
        } else {
            child
        }
    }

    /// Follow an alias to its anchored node (one hop: an anchor is never an alias).
    pub fn resolve(self) -> NodeRef<'a> {
        match self.node().map(|n| n.kind) {
            Some(Kind::Alias(target)) => NodeRef {
                doc: self.doc,
                id: target,
                via: self.via,
            },
            _ => self,
        }
    }

    fn children(self, first: u32, count: usize) -> &'a [NodeId] {
        let first = first as usize;
        self.doc
            .children
            .get(first..first.saturating_add(count))
            .unwrap_or_default()
    }

    /// Raw (key, value) ids of a map.
    fn raw_entries(self) -> &'a [NodeId] {
        match self.kind() {
            Some(Kind::Map { first, len, .. }) => self.children(first, len as usize * 2),
            _ => &[],
        }
    }

    /// The resolved entries of a map with `<<` merge keys.
    fn merged_entries(self) -> Option<&'a [[NodeId; 3]]> {
        if !matches!(self.kind(), Some(Kind::Map { merged: true, .. })) {
            return None;
        }
        let &(at, len) = self.doc.merged_at.get(&self.id)?;
        self.doc
            .merged
            .get(at as usize..(at as usize).saturating_add(len as usize))
    }

    /// A merged entry, blamed on the alias that brought it in (if any and if this map is
    /// not itself seen through an alias, whose place then wins).
    fn merged_pair(self, [k, v, via]: [NodeId; 3]) -> (NodeRef<'a>, NodeRef<'a>) {
        if via == NO_VIA || self.via != self.id {
            return (self.at(k), self.at(v));
        }
        let blamed = |id| NodeRef {
            via,
            ..NodeRef::new(self.doc, id).resolve()
        };
        (blamed(k), blamed(v))
    }

    /// Reached through an alias (or a merge): its place, and its children's, is the alias.
    pub fn through_alias(self) -> bool {
        self.via != self.id
    }

    /// The whole text of the node's file.
    pub fn text(self) -> &'a str {
        &self.doc.text
    }

    /// Where the node is written (for an alias, the `*name`).
    pub fn span(self) -> Span {
        self.doc
            .nodes
            .get(self.via as usize)
            .map(Node::span)
            .unwrap_or_default()
    }

    pub fn kind(self) -> Option<Kind> {
        self.node().map(|n| n.kind)
    }

    pub fn is_map(self) -> bool {
        matches!(self.kind(), Some(Kind::Map { .. }))
    }
    pub fn is_seq(self) -> bool {
        matches!(self.kind(), Some(Kind::Seq { .. }))
    }

    /// Map entries (key, value), aliases resolved and `<<` merge keys expanded as go-yaml
    /// does: own keys first, then merged keys that no earlier entry defines.
    pub fn entries(self) -> Entries<'a> {
        match self.merged_entries() {
            Some(merged) => Entries {
                map: self,
                raw: &[],
                merged,
            },
            None => Entries {
                map: self,
                raw: self.raw_entries(),
                merged: &[],
            },
        }
    }

    /// How many items (sequence) or written entries (mapping, merges not counted).
    pub fn child_count(self) -> usize {
        match self.kind() {
            Some(Kind::Seq { len, .. } | Kind::Map { len, .. }) => len as usize,
            _ => 0,
        }
    }

    /// The `i`th item of a sequence, or (key, value) of the `i`th written entry of a
    /// mapping (the key None for a sequence), in source order: for binary searches.
    pub fn child(self, i: usize) -> Option<(Option<NodeRef<'a>>, NodeRef<'a>)> {
        match self.kind()? {
            Kind::Seq { first, len } if i < len as usize => {
                let id = *self.children(first, len as usize).get(i)?;
                Some((None, self.at(id)))
            }
            Kind::Map { first, len, .. } if i < len as usize => {
                let kv = self
                    .children(first, 2 * len as usize)
                    .get(2 * i..2 * i + 2)?;
                Some((Some(self.at(*kv.first()?)), self.at(*kv.get(1)?)))
            }
            _ => None,
        }
    }

    /// Sequence items, aliases resolved.
    pub fn items(self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let raw = match self.kind() {
            Some(Kind::Seq { first, len }) => self.children(first, len as usize),
            _ => &[],
        };
        raw.iter().map(move |id| self.at(*id))
    }

    /// The entry for `key` (the later one when duplicated, as kubectl reads it);
    /// looks into `<<` merge keys as go-yaml does.
    pub fn entry(self, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        if let Some(merged) = self.merged_entries() {
            let text = |id| NodeRef::new(self.doc, id).resolve().scalar_str();
            let found = merged.iter().find(|[k, _, _]| text(*k) == Some(key))?;
            return Some(self.merged_pair(*found));
        }
        self.raw_entries().chunks_exact(2).rev().find_map(|kv| {
            let (k, v) = (*kv.first()?, *kv.get(1)?);
            let key_node = self.at(k);
            // Most keys differ in length: told apart before their text is sliced.
            if let Some(Kind::Scalar { len, .. }) = key_node.kind()
                && len as usize != key.len()
            {
                return None;
            }
            (key_node.scalar_str() == Some(key)).then(|| (key_node, self.at(v)))
        })
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

    fn scalar_str(self) -> Option<&'a str> {
        let Kind::Scalar { at, len, owned, .. } = self.kind()? else {
            return None;
        };
        let range = at as usize..at as usize + len as usize;
        if owned {
            self.doc.owned.get(range)
        } else {
            self.doc.text.get(range)
        }
    }

    /// A scalar's text whatever its type (null included); None for collections.
    pub fn scalar_text(self) -> Option<&'a str> {
        self.scalar_str()
    }

    /// A scalar's explicit core tag.
    pub fn tag(self) -> Option<Tag> {
        match self.kind()? {
            Kind::Scalar { tag, .. } => Some(tag),
            _ => None,
        }
    }

    pub fn style(self) -> Option<Style> {
        match self.kind()? {
            Kind::Scalar { style, .. } => Some(style),
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
        let Kind::Scalar { style, tag, .. } = self.kind()? else {
            return None;
        };
        Some(match tag {
            Tag::Str | Tag::Other => ScalarType::Str,
            Tag::Int => ScalarType::Int,
            Tag::Float => ScalarType::Float,
            Tag::Bool => ScalarType::Bool,
            Tag::Null => ScalarType::Null,
            Tag::None if style != Style::Plain => ScalarType::Str,
            Tag::None => resolve_plain(self.scalar_str()?),
        })
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
}

/// The entries of a map (see [`NodeRef::entries`]); no allocation.
pub struct Entries<'a> {
    map: NodeRef<'a>,
    /// (key, value) ids of a map without merge keys.
    raw: &'a [NodeId],
    /// Resolved entries of a map with merge keys.
    merged: &'a [[NodeId; 3]],
}

impl<'a> Iterator for Entries<'a> {
    type Item = (NodeRef<'a>, NodeRef<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if let Some((first, rest)) = self.merged.split_first() {
            self.merged = rest;
            return Some(self.map.merged_pair(*first));
        }
        match self.raw {
            [k, v, rest @ ..] => {
                self.raw = rest;
                Some((self.map.at(*k), self.map.at(*v)))
            }
            _ => None,
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.merged.len() + self.raw.len() / 2;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Entries<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if let Some((last, rest)) = self.merged.split_last() {
            self.merged = rest;
            return Some(self.map.merged_pair(*last));
        }
        match self.raw {
            [rest @ .., k, v] => {
                self.raw = rest;
                Some((self.map.at(*k), self.map.at(*v)))
            }
            _ => None,
        }
    }
}

impl ExactSizeIterator for Entries<'_> {}

const BOOLS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
];

/// YAML 1.1 resolution of a plain scalar (go-yaml v2, which Kubernetes uses).
pub fn resolve_plain(v: &str) -> ScalarType {
    if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
        return ScalarType::Null;
    }
    // Most scalars are words: a number starts with a digit, a sign or a dot (`.5`, `.inf`).
    if !v
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'))
    {
        return if BOOLS.contains(&v) {
            ScalarType::Bool
        } else {
            ScalarType::Str
        };
    }
    if parse_int(v).is_some() {
        return ScalarType::Int;
    }
    if is_float(v) {
        return ScalarType::Float;
    }
    ScalarType::Str
}

/// A YAML 1.1 integer's value (`0x1F`, `1_000`, `-3`).
pub fn parse_int_text(v: &str) -> Option<i64> {
    parse_int(v)
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
    // Allocate only for the rare `1_000` and `0X1F`.
    let cleaned: std::borrow::Cow<str> = if body.contains('_') {
        body.chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .into()
    } else {
        body.into()
    };
    let lower: std::borrow::Cow<str> = if cleaned.bytes().any(|b| b.is_ascii_uppercase()) {
        cleaned.to_ascii_lowercase().into()
    } else {
        cleaned.clone()
    };
    let parsed = if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = lower.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()
    } else if let Some(oct) = lower.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
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

    /// A mapping of `keys` entries merged into `merges` items: `keys * merges` entries copied.
    fn merging(keys: usize, merges: usize) -> String {
        format!(
            "b: &b {{{}}}\nuse:\n{}",
            (0..keys)
                .map(|i| format!("k{i}: v"))
                .collect::<Vec<_>>()
                .join(", "),
            "- {<<: *b}\n".repeat(merges)
        )
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
        // Iteration sees merged keys too, and the alias is blamed where it is used.
        let keys: Vec<_> = r
            .get("m")
            .unwrap()
            .entries()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, ["y", "x"]);
        let used = r.get("use").unwrap().span();
        assert_eq!(used.start, 21, "the `*b`, not the anchor at 9");
    }

    #[test]
    fn inside_an_aliased_collection_findings_point_at_the_alias() {
        let text = "one: &v [{hostPath: /srv}]\ntwo: *v\n";
        let s = parse(text);
        let r = root(&s.documents[0]);
        let hp = |k: &str| {
            r.get(k)
                .unwrap()
                .items()
                .next()
                .unwrap()
                .entry("hostPath")
                .unwrap()
                .0
                .span()
        };
        assert_eq!(&text[hp("one").start..hp("one").end], "hostPath");
        assert_eq!(&text[hp("two").start..hp("two").end], "*v");
    }

    #[test]
    fn go_yaml_integer_prefixes() {
        let s = parse("a: 0o17\nb: 0X1F\nc: 0B11\nd: 0777\n");
        let r = root(&s.documents[0]);
        let n: Vec<_> = ["a", "b", "c", "d"]
            .iter()
            .map(|k| r.get(k).unwrap().as_i64())
            .collect();
        assert_eq!(n, [Some(15), Some(31), Some(3), Some(511)]);
    }

    #[test]
    fn broken_document_does_not_hide_the_next() {
        let s = parse("a: [1, 2\n---\nb: 1\n");
        assert_eq!(s.errors.len(), 1);
        assert_eq!(s.documents.len(), 1);
        assert!(root(&s.documents[0]).get("b").is_some());
    }

    #[test]
    fn merges_resolve_once_with_go_yaml_precedence() {
        let text = "a: &a {x: 1, y: 1}\nb: &b {<<: *a, y: 2, z: 2}\nc:\n  <<: [*b, {w: 3, x: 9}]\n  x: 4\n";
        let s = parse(text);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let c = root(&s.documents[0]).get("c").unwrap();
        let got: Vec<_> = c
            .entries()
            .map(|(k, v)| (k.as_str().unwrap(), v.as_i64().unwrap()))
            .collect();
        // Own keys first, then each source in order (its own merges included).
        assert_eq!(got, [("x", 4), ("y", 2), ("z", 2), ("w", 3)]);
        assert_eq!(c.get("y").unwrap().as_i64(), Some(2));
        assert_eq!(c.entries().next_back().unwrap().0.as_str(), Some("w"));
        // A key merged through `*b` is blamed on that alias, not on the anchor.
        let (k, _) = c.entry("z").unwrap();
        assert_eq!(&text[k.span().start..k.span().end], "*b");
        let (k, _) = c.entry("w").unwrap();
        assert_eq!(&text[k.span().start..k.span().end], "w");
    }

    #[test]
    fn a_merge_that_reaches_its_own_mapping_spoils_only_its_document() {
        for bomb in [
            "spec: &a {<<: [*a, *a, *a, *a, *a, *a, *a, *a]}\n",
            "spec: &a {<<: *a}\n",
            "top: &t\n  inner: {<<: *t}\n",
            "top: &t\n  inner: {<<: [{x: 1}, *t]}\n",
        ] {
            let s = parse(&format!("{bomb}---\nok: 1\n"));
            assert_eq!(s.errors.len(), 1, "{bomb}");
            assert!(s.errors[0].message.contains("contains it"), "{bomb}");
            assert_eq!(&bomb[s.errors[0].offset..s.errors[0].offset + 2], "<<");
            assert_eq!(s.documents.len(), 1, "{bomb}");
        }
    }

    #[test]
    fn a_stream_the_scanner_declines_is_read_a_document_at_a_time() {
        // A tab (outside the scanner's subset) in the second document only.
        let text = "a: 1\n---\nb:\t2\n--- # c\nc: [3]\n...\n---\nd: &x {e: 1}\nf: *x\n";
        let t = Text::from(text);
        let budget = merge_budget(text.len());
        assert!(scan::scan(&t, 0, text.len(), budget).is_none());
        let cuts = document_cuts(text.as_bytes(), 0, text.len()).unwrap();
        let at = |m: &str| text.find(m).unwrap();
        assert_eq!(
            cuts,
            [at("---\nb"), at("--- # c"), at("...") + 4, at("---\nd")]
        );
        let (apart, _) = by_documents(&t, 0, text.len(), text.len(), budget).unwrap();
        assert_eq!(apart.documents.len(), 4);
        assert_eq!(compare(&apart, &parse_granit(text)), Ok(17));
        assert_eq!(compare(&parse(text), &parse_granit(text)), Ok(17));
        // Not cut: directives, an error anywhere (granit recovers its own way), one document.
        for whole in [
            "%YAML 1.2\n---\na:\t1\n---\nb: 2\n",
            "a:\t1\n---\nb: [\n---\nc: 1\n",
            "a:\t1\n---\nb: *nowhere\n",
            "a:\t1\n# ---\n",
        ] {
            let t = Text::from(whole);
            let budget = merge_budget(whole.len());
            assert!(by_documents(&t, 0, whole.len(), whole.len(), budget).is_none());
            assert!(compare(&parse(whole), &parse_granit(whole)).is_ok());
        }
        assert!(document_cuts(b"a: 1\n---b\n ---\n", 0, 16).is_none());
        // A `...` line ends at its line break, a lone CR included (the fuzz target found it).
        assert_eq!(document_cuts(b"...\rx\n---\n", 0, 10), Some(vec![4, 6]));
        assert_eq!(document_cuts(b"... #c\r\nx\n", 0, 10), Some(vec![8]));
        let text = "...\r\u{fffd}\n.";
        let t = Text::from(text);
        let (apart, _) = by_documents(&t, 0, text.len(), text.len(), usize::MAX).unwrap();
        assert!(compare(&apart, &parse_granit(text)).is_ok());
        // An empty block scalar ends at the marker after it, not where the text ends: each
        // document is read with the text after it in view (the fuzz target found this).
        for text in ["|\n---", "a:\t|\n---\nb: |\n---\n"] {
            let t = Text::from(text);
            let (apart, _) = by_documents(&t, 0, text.len(), text.len(), usize::MAX).unwrap();
            assert!(compare(&apart, &parse_granit(text)).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn documents_read_apart_spend_the_streams_merge_budget() {
        // Each document alone is within the budget of the stream; both are not.
        let doc = merging(100, 300);
        let text = format!("#\ttab\n{doc}---\n{doc}");
        let t = Text::from(text.as_str());
        let budget = merge_budget(text.len());
        assert!(
            parse_range_granit(&t, 0, text.find("---").unwrap(), budget)
                .0
                .errors
                .is_empty()
        );
        let whole = parse_granit(&text);
        assert_eq!(whole.errors.len(), 1);
        assert!(by_documents(&t, 0, text.len(), text.len(), budget).is_none());
        assert!(compare(&parse(&text), &whole).is_ok());
    }

    #[test]
    fn a_large_stream_is_parsed_in_pieces_as_it_is_whole() {
        let mut text = String::new();
        for i in 0..9000 {
            // A tab in one document: its piece goes a document at a time.
            let tab = if i == 4321 { "\t" } else { "" };
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: \"{i}\"{tab}\n  l: [a, {{b: c}}]\n"
            ));
        }
        assert!(text.len() > 3 * PIECE_BYTES);
        let t = Text::from(text.as_str());
        let pieces = in_pieces(&t, 0, text.len(), merge_budget(text.len()), PIECE_BYTES).unwrap();
        assert_eq!(pieces.documents.len(), 9000);
        let whole = parse_granit(&text);
        assert_eq!(compare(&pieces, &whole), compare(&whole, &whole));
        assert!(compare(&parse(&text), &whole).is_ok());
        // Small streams and streams without a cut are parsed whole.
        assert!(in_pieces(&t, 0, 2 * PIECE_BYTES - 1, usize::MAX, PIECE_BYTES).is_none());
        let one = format!("a:\n{}", "- x\n".repeat(PIECE_BYTES));
        let one_doc = in_pieces(
            &Text::from(one.as_str()),
            0,
            one.len(),
            usize::MAX,
            PIECE_BYTES,
        );
        assert!(one_doc.is_none());
    }

    #[test]
    fn pieces_spend_the_streams_merge_budget_together() {
        // Two documents of about 5 KB in pieces of 4 KB, each spending 27,000 merged entries
        // of a budget of about 45,000.
        let doc = merging(60, 450);
        let text = format!("{doc}---\n{doc}");
        let t = Text::from(text.as_str());
        let budget = merge_budget(text.len());
        let half = text.find("---").unwrap();
        assert!(parse_range_granit(&t, 0, half, budget).0.errors.is_empty());
        assert!(in_pieces(&t, 0, text.len(), budget, 4096).is_none());
        assert!(in_pieces(&t, 0, text.len(), usize::MAX, 4096).is_some());
        let whole = parse_granit(&text);
        assert_eq!(whole.errors.len(), 1);
        assert!(compare(&parse(&text), &whole).is_ok());
    }

    #[test]
    fn windows_read_the_documents_the_whole_reads() {
        // Scanned and declined (a tab) documents, a `...` end, a block scalar before a marker.
        let doc = "a: 1\nb: [x, y]\n";
        let text = format!(
            "{doc}---\nc:\t2\n---\nd: |\n  z\n...\n---\n{doc}---\ne: |+\n\n---\n{}",
            doc.repeat(40)
        );
        let whole = parse_granit(&text);
        for window in [1, 8, 64] {
            let w = parse_in_windows(&text, window).expect("read in windows");
            assert_eq!(compare(&w, &whole).map(|_| w.documents.len()), Ok(6));
        }
        // Windows larger than half the text: none to cut.
        assert!(parse_in_windows(&text, 1024).is_none());
        let t = Text::from(text.as_str());
        let bounds = windows(&t, 1).unwrap();
        assert_eq!((bounds[0], bounds.len()), (0, 7));
        assert_eq!(bounds.last(), Some(&text.len()));
        // One document, or none to cut: read whole.
        assert!(windows(&Text::from(doc), 1).is_none());
        // An error in a window, or a merge budget spent over windows: the whole is read.
        assert!(parse_in_windows(&format!("{doc}---\na: [\n---\n{doc}"), 1).is_none());
        let bomb = merging(60, 450);
        let text = format!("{bomb}---\n{bomb}");
        assert!(parse_in_windows(&text, 1).is_none());
        assert_eq!(parse(&text).errors.len(), 1);
    }

    #[test]
    fn a_file_holds_at_most_max_documents() {
        // 16 M empty documents fit in 64 MiB and cost a few hundred bytes each: past the
        // limit, one error where the next document starts, and nothing more is read.
        for tab in ["", "#\t\n"] {
            let text = format!("{tab}{}", "---\na: 1\n".repeat(MAX_DOCUMENTS + 3));
            let whole = parse_granit(&text);
            let ours = parse(&text);
            assert!(compare(&ours, &whole).is_ok());
            assert_eq!(ours.documents.len(), MAX_DOCUMENTS);
            assert_eq!(ours.errors.len(), 1);
            let at = tab.len() + MAX_DOCUMENTS * "---\na: 1\n".len();
            assert_eq!(ours.errors[0].offset, at);
            assert!(ours.errors[0].message.contains("documents in one file"));
        }
        let text = "---\n".repeat(MAX_DOCUMENTS + 3);
        assert!(document_cuts(text.as_bytes(), 0, text.len()).is_none());
        assert_eq!(parse_scanner(&text).unwrap().documents.len(), MAX_DOCUMENTS);
    }

    #[test]
    fn merge_fan_out_is_paid_for_from_a_budget() {
        // Chains of fan-out 16: keys are resolved once, so this is small and fine.
        let mut chain = String::from("a0: &a0 {k: v}\n");
        for i in 1..=40 {
            chain.push_str(&format!(
                "a{i}: &a{i} {{<<: [{}], k{i}: v}}\n",
                vec![format!("*a{}", i - 1); 16].join(",")
            ));
        }
        let s = parse(&chain);
        assert!(s.errors.is_empty());
        assert_eq!(
            root(&s.documents[0]).get("a40").unwrap().entries().count(),
            41
        );
        // Many copies of a wide mapping exceed the budget: an error at a merge key.
        let wide = merging(500, 2000);
        let s = parse(&wide);
        assert_eq!(s.errors.len(), 1);
        assert!(s.errors[0].message.contains("merge-key bomb"));
        assert!(s.documents.is_empty());
    }

    #[test]
    fn duplicates_are_listed_then_counted() {
        let s = parse(&format!("m:\n{}", "  a: v\n".repeat(1000)));
        let d = &s.documents[0].duplicates;
        assert_eq!(d.len(), LISTED_DUPLICATES + 1);
        assert!(d[..LISTED_DUPLICATES].iter().all(|x| x.more == 0));
        assert_eq!(d[LISTED_DUPLICATES].more as usize, 999 - LISTED_DUPLICATES);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = parse(&"[".repeat(200_000));
        assert!(!s.errors.is_empty());
        let s = parse(&format!("{}x", "- ".repeat(200_000)));
        assert!(!s.errors.is_empty());
    }
}
