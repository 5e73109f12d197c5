//! Kustomizations rendered natively: what `kubectl kustomize DIR` would print, as trees whose
//! every node remembers the file and bytes that wrote it.

pub mod build;
pub mod emit;
pub mod generate;
pub mod patch;
pub mod tree;

pub use build::{Error, Set, Unsupported, build};
use tree::{Node, Origin, Value};

/// `file:line:col: message` for something at `origin` of the set.
pub fn describe(set: &Set, origin: Origin, message: &str) -> String {
    match set.file(origin.file as usize) {
        Some(f) => {
            let (line, col) = f.position(origin.span.start);
            format!("{}:{line}:{col}: {message}", f.name)
        }
        None => message.to_string(),
    }
}

/// The files that wrote an object, in order of first appearance (its own file first).
pub fn origins_of(set: &Set, object: &Node) -> Vec<String> {
    let mut seen: Vec<u32> = Vec::new();
    let mut stack = vec![object];
    while let Some(n) = stack.pop() {
        if !n.origin.is_none() && !seen.contains(&n.origin.file) {
            seen.push(n.origin.file);
        }
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter().rev()),
            Value::Map(e) => {
                for (k, v) in e.iter().rev() {
                    stack.push(v);
                    stack.push(k);
                }
            }
            Value::Scalar(_) => {}
        }
    }
    seen.iter()
        .filter_map(|f| set.file(*f as usize).map(|s| s.name.to_string()))
        .collect()
}

/// The build as YAML, each object preceded by a comment naming the files that wrote it.
pub fn emit_with_origins(set: &Set) -> String {
    let mut out = String::new();
    for (i, o) in set.objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&format!("# from: {}\n", origins_of(set, o).join(", ")));
        out.push_str(&emit::emit(std::slice::from_ref(o)));
    }
    out
}

/// A rendered set laid out for the rules: the texts of the files its objects come from, end
/// to end (each followed by a newline), as one text, and each object as a document whose
/// spans are offsets in that text, so that a rule's span on a rendered node names a file and
/// bytes of it.
pub struct Laid {
    /// (file, where it starts in `text`), by file and so by start.
    pub bases: Vec<(u32, usize)>,
    pub documents: Vec<crate::yaml::Document>,
}

impl Laid {
    /// The file an offset of `text` falls in, and the offset in that file.
    pub fn locate(&self, at: usize) -> Option<(usize, usize)> {
        let i = self
            .bases
            .partition_point(|(_, b)| *b <= at)
            .checked_sub(1)?;
        let (file, base) = self.bases.get(i)?;
        Some((*file as usize, at - base))
    }
    /// Where file `file` starts in `text`.
    pub fn base(&self, file: usize) -> Option<usize> {
        base_in(&self.bases, file)
    }
}

fn base_in(bases: &[(u32, usize)], file: usize) -> Option<usize> {
    let i = bases
        .binary_search_by_key(&file, |(f, _)| *f as usize)
        .ok()?;
    bases.get(i).map(|(_, b)| *b)
}

pub fn lay_out(set: &Set) -> Laid {
    // Only the files the objects come from (a set's file list is the run's).
    let mut used = std::collections::BTreeSet::new();
    for o in &set.objects {
        let mut stack = vec![o];
        while let Some(n) = stack.pop() {
            if !n.origin.is_none() {
                used.insert(n.origin.file);
            }
            match &n.value {
                Value::Seq(items) => stack.extend(items.iter()),
                Value::Map(e) => {
                    for (k, v) in e {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                Value::Scalar(_) => {}
            }
        }
    }
    let mut text = String::new();
    let mut bases = Vec::with_capacity(used.len());
    for f in used {
        if let Some(source) = set.file(f as usize) {
            bases.push((f, text.len()));
            text.push_str(&source.text);
            text.push('\n');
        }
    }
    let text: crate::yaml::Text = text.into();
    let documents = set
        .objects
        .iter()
        .filter_map(|o| {
            let mut b = crate::yaml::DocumentBuilder::new(text.clone());
            let span = virtual_span(&bases, o.origin, crate::yaml::Span::default());
            let root = lay(&mut b, o, &bases, span)?;
            Some(b.finish(root, span.start))
        })
        .collect();
    Laid { bases, documents }
}

fn virtual_span(
    bases: &[(u32, usize)],
    origin: Origin,
    parent: crate::yaml::Span,
) -> crate::yaml::Span {
    match base_in(bases, origin.file as usize) {
        Some(b) if !origin.is_none() => {
            crate::yaml::Span::new(b + origin.span.start, b + origin.span.end)
        }
        // Made by the renderer: blamed on what holds it.
        _ => parent,
    }
}

fn lay(
    b: &mut crate::yaml::DocumentBuilder,
    n: &Node,
    bases: &[(u32, usize)],
    parent: crate::yaml::Span,
) -> Option<crate::yaml::NodeId> {
    let span = virtual_span(bases, n.origin, parent);
    match &n.value {
        Value::Scalar(s) => b.scalar(&s.text, s.style, s.tag, span),
        Value::Seq(items) => {
            let ids = items
                .iter()
                .map(|i| lay(b, i, bases, span))
                .collect::<Option<Vec<_>>>()?;
            b.seq(&ids, span)
        }
        Value::Map(entries) => {
            let mut ids = Vec::with_capacity(entries.len() * 2);
            for (k, v) in entries {
                ids.push(lay(b, k, bases, span)?);
                ids.push(lay(b, v, bases, span)?);
            }
            b.map(&ids, span)
        }
    }
}
