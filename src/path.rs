//! The YAML path of a place in an object: `spec.template.spec.volumes[name=data].hostPath`.
//! Findings carry it (JSON `path`) and fingerprints are built from it, so that a finding keeps
//! its identity when lines move: list items that have a `name` are named, not numbered.

use crate::yaml::{NodeRef, Span};

/// How deep a path goes at most (YAML nesting is capped at 255 by the parser anyway).
const MAX_DEPTH: usize = 300;

/// The path, from `root`, of the innermost node holding `span` ("" for the root).
pub fn path_to(root: NodeRef, span: Span) -> String {
    if root.doc.rendered {
        return rendered_path_to(root, span);
    }
    // Sized once for the usual path (a few keys deep) rather than grown key by key.
    let mut path = String::with_capacity(64);
    let mut node = root;
    let at = span.start;
    for _ in 0..MAX_DEPTH {
        let Some((key, value, index)) = child_holding(node, at) else {
            break;
        };
        // A span wider than this child (a whole list item whose first key is here) ends
        // the path at its parent.
        let end = key.map_or(value.span().end, |k| k.span().end.max(value.span().end));
        if span.end > end {
            break;
        }
        match key {
            Some(k) => push_key(&mut path, k.as_str().unwrap_or("?")),
            None => push_item(&mut path, value, index),
        }
        // A finding on the key itself stops there, and so does an alias: everything under it
        // is written at the `*name` (a single-item sequence may share its item's span, so
        // equal spans are not the test).
        if key.is_some_and(|k| contains(k.span(), at)) || value.through_alias() {
            break;
        }
        node = value;
    }
    // Findings keep it: no spare capacity held.
    path.shrink_to_fit();
    path
}

/// In a rendered object children come from several files, out of source order: the path
/// is that of the node (key or value) whose span is the finding's, else of the smallest
/// one holding its start, found by a walk of the whole object (objects are small).
fn rendered_path_to(root: NodeRef, span: Span) -> String {
    // Every child met: (its parent's entry, key, value, index, depth). Paths are written
    // for the best one only, from its chain of parents (a string a node was most of the cost).
    struct Entry<'a> {
        parent: usize,
        key: Option<NodeRef<'a>>,
        value: NodeRef<'a>,
        index: usize,
        depth: usize,
    }
    let mut entries: Vec<Entry> = vec![Entry {
        parent: 0,
        key: None,
        value: root,
        index: 0,
        depth: 0,
    }];
    // The best: (exact, extent, entry); the first met wins a tie.
    let mut best: Option<(bool, usize, usize)> = None;
    let mut consider = |node_span: Span, entry: usize| {
        let exact = node_span == span;
        if !exact && !contains(node_span, span.start) {
            return;
        }
        let extent = node_span.end - node_span.start;
        let better = match &best {
            None => true,
            Some((e, x, _)) => (exact && !e) || (exact == *e && extent < *x),
        };
        if better {
            best = Some((exact, extent, entry));
        }
    };
    let mut stack: Vec<usize> = vec![0];
    while let Some(at) = stack.pop() {
        let Some(&Entry {
            value: node, depth, ..
        }) = entries.get(at)
        else {
            continue;
        };
        if depth > MAX_DEPTH {
            continue;
        }
        for i in 0..node.child_count() {
            let Some((k, v)) = node.child(i) else {
                continue;
            };
            let id = entries.len();
            entries.push(Entry {
                parent: at,
                key: k,
                value: v,
                index: i,
                depth: depth + 1,
            });
            if let Some(k) = k {
                consider(k.span(), id);
            }
            consider(v.span(), id);
            stack.push(id);
        }
    }
    let Some((_, _, mut at)) = best else {
        return String::new();
    };
    let mut chain = Vec::new();
    while at != 0 {
        let Some(e) = entries.get(at) else { break };
        chain.push(e);
        at = e.parent;
    }
    let mut path = String::with_capacity(64);
    for e in chain.into_iter().rev() {
        match e.key {
            Some(k) => push_key(&mut path, k.as_str().unwrap_or("?")),
            None => push_item(&mut path, e.value, e.index),
        }
    }
    path.shrink_to_fit();
    path
}

fn contains(s: Span, at: usize) -> bool {
    s.start <= at && at < s.end.max(s.start + 1)
}

/// The child (key, value, index) whose extent holds `at`: a binary search over the written
/// children, which are in source order; merged-in entries are not searched (they are
/// written elsewhere, and blamed on their alias, which is a written child).
fn child_holding(node: NodeRef, at: usize) -> Option<(Option<NodeRef>, NodeRef, usize)> {
    let start_of = |i| {
        node.child(i)
            .map(|(k, v)| k.map_or(v.span().start, |k| k.span().start))
    };
    let (mut lo, mut hi) = (0, node.child_count());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if start_of(mid)? <= at {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let i = lo.checked_sub(1)?;
    let (k, v) = node.child(i)?;
    let end = k.map_or(v.span().end, |k| k.span().end.max(v.span().end));
    (at < end.max(v.span().start + 1) || contains(v.span(), at)).then_some((k, v, i))
}

pub(crate) fn push_key(path: &mut String, key: &str) {
    // By bytes: a multi-byte character's bytes are none of these either.
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'$');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("['{}']", key.replace('\'', "\\'")));
    }
}

pub(crate) fn push_item(path: &mut String, item: NodeRef, index: usize) {
    // Pushed piece by piece: a `format!` each was most of a finding's path cost.
    match item.get("name").and_then(|n| n.as_str()) {
        Some(name) if !name.contains([']', '\'']) => {
            path.push_str("[name=");
            path.push_str(name);
            path.push(']');
        }
        _ => {
            use std::fmt::Write;
            path.push('[');
            let _ = write!(path, "{index}");
            path.push(']');
        }
    }
}

/// A finding's identity that survives unrelated edits (lines moving, documents
/// reordered): rule, file, object and path, never the line. FNV-1a, so that it is the same
/// in every build and on every machine.
pub fn fingerprint(parts: &[&str]) -> String {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
        // Each part ends with a 0 byte (xor with 0 leaves `h` as it is).
        h = h.wrapping_mul(PRIME);
    }
    // Sixteen hex digits, written without the formatting machinery (a finding each).
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        let digit = ((h >> (i * 4)) & 0xf) as u8;
        out.push(char::from(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn fingerprints_are_sixteen_lowercase_hex_digits_of_fnv_1a() {
        // FNV-1a 64 of "" is its offset basis; baselines hold these strings.
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        let h = fingerprint(&["rule", "file.yaml"]);
        assert_eq!(h.len(), 16);
        let mut want: u64 = 0xcbf2_9ce4_8422_2325;
        for b in "rule\0file.yaml\0".bytes() {
            want ^= u64::from(b);
            want = want.wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(h, format!("{want:016x}"));
    }

    fn path_of(text: &str, needle: &str) -> String {
        path_at(text, needle, needle.len())
    }

    /// The path of the first `len` bytes where `needle` is.
    fn path_at(text: &str, needle: &str, len: usize) -> String {
        let s = parse(text);
        let root = NodeRef::root(&s.documents[0]).unwrap();
        let at = text.find(needle).unwrap();
        path_to(root, Span::new(at, at + len))
    }

    #[test]
    fn paths_name_named_items_and_quote_odd_keys() {
        let t = "spec:\n  volumes:\n  - name: cache\n    emptyDir: {}\n  - name: data\n    hostPath: {path: /srv}\n  args: [a, b]\nmetadata:\n  labels: {app.kubernetes.io/name: x}\n";
        assert_eq!(path_of(t, "hostPath"), "spec.volumes[name=data].hostPath");
        assert_eq!(path_of(t, "/srv"), "spec.volumes[name=data].hostPath.path");
        assert_eq!(path_at(t, "b]", 1), "spec.args[1]");
        assert_eq!(
            path_at(t, "x}", 1),
            "metadata.labels['app.kubernetes.io/name']"
        );
        assert_eq!(path_of(t, "spec"), "spec");
        // A whole item is the item, not its first key.
        let item = "name: cache\n    emptyDir: {}";
        assert_eq!(path_of(t, item), "spec.volumes[name=cache]");
        // A block sequence of one item written at its key's indentation.
        let t = "spec:\n  containers:\n  - name: web\n    env:\n    - name: A\n";
        assert_eq!(path_of(t, "name: web"), "spec.containers[name=web].name");
        let t = "rules:\n- apiGroups: ['*']\n";
        assert_eq!(path_of(t, "'*'"), "rules[0].apiGroups[0]");
        // Under an alias the path stops at the alias.
        let t = "a: &x {b: [1, 2]}\nc: *x\n";
        assert_eq!(path_of(t, "*x"), "c");
    }
}
