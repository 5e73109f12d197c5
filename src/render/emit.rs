//! A rendered set of objects written out as YAML, the way `kubectl kustomize` prints a
//! build (kyaml over go-yaml v3, libyaml's emitter): documents separated by `---`, block
//! style, 2-space indentation, sequences inside maps not indented, empty collections as
//! `{}` and `[]`.
//!
//! What is written reads back (with Kubernetes' YAML 1.1 typing) as the same tree: a plain
//! scalar that can be written as it is keeps its text (`0x1F`, `yes`, `~`); any other
//! scalar is written from its typed value, a string in the style libyaml would choose for
//! it (plain when plain reads back as that string; double quotes when plain would read as
//! another type, as kubectl prints `"8080"` and `"on"`; a literal block for multi-line
//! text; single quotes for the rest; double quotes, escaped, when nothing else can hold it).
//!
//! Unlike kubectl, keys keep the tree's order (kubectl sorts them, having gone through
//! JSON), numbers and booleans keep their text, and long strings are not folded.

use super::tree::{Node, Typed, Value, plain_safe};
use crate::yaml::{ScalarType, Style, Tag, resolve_plain};
use std::fmt::Write as _;

/// The objects as one YAML stream, the way `kubectl kustomize` prints a build: documents
/// separated by `---`, block style, 2-space indentation, sequences inside maps not
/// indented (`containers:\n- name: x`), as kustomize/kyaml does.
pub fn emit(objects: &[Node]) -> String {
    let mut out = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        document(&mut out, object);
    }
    out
}

/// Longest key written as a simple key `key: value` (libyaml's limit; longer keys are
/// written as explicit `? key` entries, as kubectl does).
const SIMPLE_KEY_MAX: usize = 128;

fn document(out: &mut String, node: &Node) {
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => map_entries(out, entries, 0, false),
        Value::Seq(items) if !items.is_empty() => seq_items(out, items, 0, false),
        // A root scalar or empty collection. The spec puts the content of a root block
        // scalar with an indentation indicator one column left of where libyaml and
        // granit-parser read it: such roots are quoted instead.
        _ => match repr(node) {
            Repr::Literal(text) if !text.starts_with([' ', '\n']) => literal(out, text, 0, 2),
            other => {
                out.push_str(&inline(&other, node));
                out.push('\n');
            }
        },
    }
}

/// Entries of a non-empty map whose keys are at column `col`; the first one continues the
/// current line when `inline` (after `- `, `? ` or `: `).
fn map_entries(out: &mut String, entries: &[(Node, Node)], col: usize, inline: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, col);
        }
        match simple_key(key) {
            Some(text) => {
                out.push_str(&text);
                out.push(':');
                map_value(out, value, col);
            }
            None => {
                // A key that cannot be a simple key (a collection, a multi-line or long
                // string): the explicit form, `? key` then `: value`, each like an item.
                item(out, "?", key, col);
                indent(out, col);
                item(out, ":", value, col);
            }
        }
    }
}

/// The key's text when it can be written as `key: ` on one line.
fn simple_key(key: &Node) -> Option<String> {
    if !matches!(key.value, Value::Scalar(_)) {
        return None;
    }
    let r = repr(key);
    let len = match &r {
        Repr::Literal(_) => return None,
        Repr::Plain(t) => t.len(),
        Repr::Single(t) | Repr::Double(t) => t.len(),
    };
    (len <= SIMPLE_KEY_MAX).then(|| inline(&r, key))
}

/// The value of a simple key at column `col`, after its `:`.
fn map_value(out: &mut String, value: &Node, col: usize) {
    match &value.value {
        // Sequences in maps are not indented (kyaml's compact style).
        Value::Seq(items) if !items.is_empty() => {
            out.push('\n');
            seq_items(out, items, col, false);
        }
        Value::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            map_entries(out, entries, col + 2, false);
        }
        _ => scalar_after(out, value, col),
    }
}

/// Items of a non-empty sequence whose dashes are at column `col`; the first one continues
/// the current line when `inline`.
fn seq_items(out: &mut String, items: &[Node], col: usize, inline: bool) {
    for (i, node) in items.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, col);
        }
        item(out, "-", node, col);
    }
}

/// A node after an indicator (`-`, `?` or `:`) at column `col`: collections start on the
/// indicator's line (`- name: x`, `- - a`) and go on at `col + 2`.
fn item(out: &mut String, indicator: &str, node: &Node, col: usize) {
    out.push_str(indicator);
    match &node.value {
        Value::Seq(items) if !items.is_empty() => {
            out.push(' ');
            seq_items(out, items, col + 2, true);
        }
        Value::Map(entries) if !entries.is_empty() => {
            out.push(' ');
            map_entries(out, entries, col + 2, true);
        }
        _ => scalar_after(out, node, col),
    }
}

/// A scalar or empty collection after a `:` or an indicator of a node at column `col`, and
/// the line's end.
fn scalar_after(out: &mut String, node: &Node, col: usize) {
    match repr(node) {
        // Content two columns in from the parent node's indentation, like kyaml.
        Repr::Literal(text) => {
            out.push(' ');
            literal(out, text, col as isize, col + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(&other, node));
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, col: usize) {
    out.extend(std::iter::repeat_n(' ', col));
}

/// How a scalar is written.
enum Repr<'a> {
    /// As it is (or the canonical text of a number, boolean or null).
    Plain(std::borrow::Cow<'a, str>),
    Single(&'a str),
    Double(&'a str),
    /// A literal block scalar (`|`, `|-`, `|+`): multi-line text.
    Literal(&'a str),
}

/// The one-line text of a scalar or empty collection (not a literal).
fn inline(r: &Repr, node: &Node) -> String {
    match &node.value {
        Value::Map(_) => return "{}".to_string(),
        Value::Seq(_) => return "[]".to_string(),
        Value::Scalar(_) => {}
    }
    match r {
        Repr::Plain(t) => t.to_string(),
        Repr::Single(t) => format!("'{}'", t.replace('\'', "''")),
        Repr::Double(t) | Repr::Literal(t) => double_quoted(t),
    }
}

/// How a scalar is written so that it reads back as the same typed value. Collections
/// get a placeholder (their caller writes `{}`/`[]`).
fn repr(node: &Node) -> Repr<'_> {
    let Value::Scalar(s) = &node.value else {
        return Repr::Plain("".into());
    };
    // A plain scalar that can be written as it is reads back as itself, whatever its type.
    if s.style == Style::Plain && s.tag == Tag::None && plain_safe(&s.text) {
        return Repr::Plain(s.text.as_str().into());
    }
    let typed = node.typed();
    if let Some(Typed::Str(text)) = typed {
        return string_repr(text);
    }
    // A tagged or quoted number, boolean or null: its text when plain reads the same
    // value (`!!int 0x1F`), else the canonical text of the value.
    if plain_safe(&s.text) && Node::plain(s.text.as_str(), node.origin).same(node) {
        return Repr::Plain(s.text.as_str().into());
    }
    Repr::Plain(match typed {
        Some(Typed::Bool(b)) => b.to_string().into(),
        Some(Typed::Int(i)) => i.to_string().into(),
        Some(Typed::Float(f)) => float_text(f).into(),
        _ => "null".into(),
    })
}

/// A float's text that YAML 1.1 resolves to it. Infinities are written as overflowing
/// exponents: the tree reads `.inf` as a string (Rust's float parser does not know it).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".to_string()
    } else if f == f64::INFINITY {
        "1e999".to_string()
    } else if f == f64::NEG_INFINITY {
        "-1e999".to_string()
    } else {
        // Debug always has a `.` or an exponent (`1.0`, `1e300`): it resolves as a float.
        format!("{f:?}")
    }
}

/// The style libyaml (so kubectl) chooses for a string, among those that hold it.
fn string_repr(text: &str) -> Repr<'_> {
    if text.contains('\n') {
        return if literal_ok(text) {
            Repr::Literal(text)
        } else {
            Repr::Double(text)
        };
    }
    // Text that plain would read as a number, boolean or null: `"8080"`, `"on"`, `""`.
    if resolve_plain(text) != ScalarType::Str {
        return Repr::Double(text);
    }
    if plain_safe(text) {
        Repr::Plain(text.into())
    } else if text.chars().all(printable) {
        Repr::Single(text)
    } else {
        Repr::Double(text)
    }
}

/// Characters written as they are in any style: libyaml's printable characters, less the
/// line breaks of YAML 1.1 (NEL, LS, PS) and the byte order mark. Tabs are escaped too.
fn printable(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{A0}'..='\u{2027}'
        | '\u{202A}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FEFE}'
        | '\u{FF00}'..='\u{FFFD}'
        | '\u{10000}'..)
}

/// Multi-line text a literal block holds exactly (libyaml's rule): printable lines, no
/// space before a line break or at the end (editors strip those; kyaml quotes them), and
/// some character other than line breaks.
fn literal_ok(text: &str) -> bool {
    text.chars().all(|c| c == '\n' || printable(c))
        && !text.contains(" \n")
        && !text.ends_with(' ')
        && text.contains(|c| c != '\n')
}

/// A literal block scalar for a node whose parent is at indentation `parent`, with its
/// content at column `col`: the header ends the current line, the content follows.
fn literal(out: &mut String, text: &str, parent: isize, col: usize) {
    out.push('|');
    // Content starting with a space (or a blank line) would mislead indentation
    // detection: the indentation is then given.
    if text.starts_with([' ', '\n']) {
        let _ = write!(out, "{}", col as isize - parent);
    }
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    out.push_str(match trailing {
        0 => "-\n",
        1 => "\n",
        _ => "+\n",
    });
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, col);
            out.push_str(line);
        }
        out.push('\n');
    }
    // Kept trailing line breaks past the last line's own: empty lines.
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// Double-quoted text on one line: `\` and `"` escaped, and every character that is not
/// printable (line breaks, tabs, controls, the byte order mark) as an escape.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\x1b' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xFF => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tree::{Origin, Scalar, from_yaml};

    /// The documents of `text`, as trees (parse errors fail the test).
    fn trees(text: &str, stream: crate::yaml::Stream) -> Vec<Node> {
        assert!(
            stream.errors.is_empty(),
            "emitted YAML does not parse: {:?}\n{text}",
            stream.errors
        );
        stream
            .documents
            .iter()
            .map(|d| {
                let root = crate::yaml::NodeRef::root(d).expect("a document has a root");
                from_yaml(root, 0, &mut 10_000_000).expect("converts")
            })
            .collect()
    }

    /// Where two trees first differ (for the failure message).
    fn difference(a: &Node, b: &Node, path: &str) -> String {
        match (&a.value, &b.value) {
            (Value::Seq(x), Value::Seq(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find(|(_, (p, q))| !p.same(q))
                .map(|(i, (p, q))| difference(p, q, &format!("{path}[{i}]")))
                .unwrap_or_default(),
            (Value::Map(x), Value::Map(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .find(|(p, q)| !(p.0.same(&q.0) && p.1.same(&q.1)))
                .map(|(p, q)| {
                    if p.0.same(&q.0) {
                        difference(&p.1, &q.1, &format!("{path}.{:?}", p.0.as_str()))
                    } else {
                        format!("{path}: key {:?} became {:?}", p.0.value, q.0.value)
                    }
                })
                .unwrap_or_default(),
            _ => format!("{path}: {:?} became {:?}", a.value, b.value),
        }
    }

    /// Emit `objects`, read the text back with both parsers, and require the same trees.
    fn round_trip(objects: &[Node]) -> String {
        let text = emit(objects);
        for back in [
            trees(&text, crate::yaml::parse(&text)),
            trees(&text, crate::yaml::parse_granit(&text)),
        ] {
            assert_eq!(back.len(), objects.len(), "document count\n{text}");
            for (a, b) in objects.iter().zip(&back) {
                assert!(a.same(b), "{}\n{text}", difference(a, b, ""));
            }
        }
        text
    }

    fn from_text(text: &str) -> Vec<Node> {
        trees(text, crate::yaml::parse(text))
    }

    #[test]
    fn prints_like_kubectl_kustomize() {
        // `kubectl kustomize` output (v5.5.0) of a few objects: emitting what it reads
        // gives it back byte for byte (its long plain strings, folded at 80 columns, left
        // out: onus does not fold).
        let kubectl = r#"apiVersion: v1
data:
  ? |-
    a
    b
  : c
  ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
  : v
  t1: "a \nb"
  t2: "a\nb "
  t3: "a\tb\nc"
  t5: |2-

    foo
  t6: "a\r\nb"
  t7: |-
    a
      b
  t9: '--- x'
  t10: 'a #b'
  t11: a#b
  t12: -x
  t13: ?x
  t14: :x
  t15: 'x:'
  t16: '[x'
  t17: x]
  t18: '@x'
  t19: '`x'
  t20: '%x'
  t21: x,y
  t22: '!x'
  t23: '*x'
  t24: '&x'
  t25: '|x'
  t26: '>x'
  t27: a'b
  t28: '''a'
  t29: '"a'
  t30: |+
    x

  t31: é
  t32: " \nx"
kind: ConfigMap
metadata:
  "8080": x
  annotations:
    a: "8080"
    aa: it's
    ab: say "hi"
    ad: "1_000"
    ag: |-
      very long string very long string very long string very long string very long string very long string very long string
      second line
    f: ""
    h: "~"
    k: 'a: b'
    l: ' lead'
    m: |
      multi
      line
    "n": |-
      multi
      line
    o: "tab\there"
    s: "x\x01y"
    w: |2
        lead
      next
    x: |+
      a


    "y": '#hash'
  name: x
  "on": "y"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    spec:
      aa: []
      containers:
      - args:
        - x
        - "y"
        - "yes"
        - ""
        command:
        - indented
        - list
        env:
        - name: A
          value: "8080"
        - name: E
          value: null
        - name: F
          value: 31
        - - nested
          - list
        - - - deeper
        image: nginx
        name: a
      x:
      - 1
      - 2.5
      zz: {}
"#;
        let objects = from_text(kubectl);
        assert_eq!(round_trip(&objects), kubectl);
    }

    #[test]
    fn keeps_plain_text_and_order() {
        let src =
            "b: 0x1F\na: yes\nc: ~\nd: 1_000\ne:\nf: !!int 017\ng: !!str 8080\nh: !!float 1\n";
        let out = round_trip(&from_text(src));
        assert_eq!(
            out,
            "b: 0x1F\na: yes\nc: ~\nd: 1_000\ne: ~\nf: 017\ng: \"8080\"\nh: 1\n"
        );
        // Quoted and block scalars are written in the style their text needs.
        let src = "a: 'x'\nb: \"y\"\nc: >\n  folded\n  text\nd: \"\\ufeffbom\"\ne: ''\n";
        let out = round_trip(&from_text(src));
        assert_eq!(
            out,
            "a: x\nb: \"y\"\nc: |\n  folded text\nd: \"\\uFEFFbom\"\ne: \"\"\n"
        );
        assert_eq!(emit(&[]), "");
    }

    #[test]
    fn roots_of_every_kind() {
        let s = |t: &str, style| {
            Node::new(
                Value::Scalar(Scalar {
                    text: t.to_string(),
                    style,
                    tag: Tag::None,
                }),
                Origin::NONE,
            )
        };
        let objects = vec![
            s("plain", Style::Plain),
            s("", Style::Plain),
            s("8080", Style::DoubleQuoted),
            s(" a\nb\n", Style::Literal),
            s("a\n\n", Style::Literal),
            Node::map(Origin::NONE),
            Node::new(Value::Seq(Vec::new()), Origin::NONE),
            Node::new(
                Value::Seq(vec![s("a\nb", Style::Literal), Node::map(Origin::NONE)]),
                Origin::NONE,
            ),
        ];
        round_trip(&objects);
    }

    #[test]
    fn deep_trees() {
        // As deep as the parser reads (255 levels), maps and sequences alternating.
        let mut node = Node::plain("leaf", Origin::NONE);
        for i in 0..250 {
            node = if i % 2 == 0 {
                Node::new(Value::Seq(vec![node]), Origin::NONE)
            } else {
                Node::new(
                    Value::Map(vec![(Node::plain("k", Origin::NONE), node)]),
                    Origin::NONE,
                )
            };
        }
        round_trip(&[node]);
    }

    #[test]
    fn collection_keys_are_explicit() {
        let seq = |items: Vec<Node>| Node::new(Value::Seq(items), Origin::NONE);
        let map = |e: Vec<(Node, Node)>| Node::new(Value::Map(e), Origin::NONE);
        let p = |t: &str| Node::plain(t, Origin::NONE);
        let object = map(vec![
            (seq(vec![p("a"), p("b")]), p("1")),
            (map(vec![(p("k"), p("v"))]), seq(vec![p("x")])),
            (Node::string("k".repeat(129), Origin::NONE), p("long")),
        ]);
        let text = emit(std::slice::from_ref(&object));
        let want = format!(
            "? - a\n  - b\n: 1\n? k: v\n: - x\n? {}\n: long\n",
            "k".repeat(129)
        );
        assert_eq!(text, want);
        let back = from_text(&text);
        let keys: Vec<_> = back[0].entries().iter().map(|(k, _)| &k.value).collect();
        assert!(matches!(
            keys.as_slice(),
            [Value::Seq(_), Value::Map(_), Value::Scalar(_)]
        ));
    }

    /// splitmix64: a small deterministic generator, no crate needed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Texts that YAML reads as something else, or that no one style can hold.
    const NASTY: &[&str] = &[
        "",
        " ",
        "  ",
        "yes",
        "Yes",
        "YES",
        "no",
        "on",
        "ON",
        "off",
        "y",
        "Y",
        "n",
        "N",
        "true",
        "False",
        "null",
        "Null",
        "NULL",
        "~",
        "0o12",
        "0x1F",
        "0X1f",
        "0b101",
        "017",
        "09",
        "1e3",
        "1E3",
        "1_000",
        "-1_0",
        ".5",
        "1.",
        "+1",
        "-0",
        "-1.5e-3",
        "3.14",
        ".inf",
        "-.inf",
        "+.INF",
        ".nan",
        ".NaN",
        "8080",
        "99999999999999999999",
        "1e999",
        "12:30",
        "1:2:3",
        "#",
        "# x",
        "a #b",
        "a#b",
        ": ",
        "a: b",
        "a:",
        ":",
        "::",
        ":x",
        "-",
        "- x",
        "-x",
        "--",
        "---",
        "--- x",
        "...",
        "... x",
        "?",
        "? x",
        "?x",
        "[",
        "]",
        "{",
        "}",
        "[a, b]",
        "{a: b}",
        "a,b",
        "*a",
        "&a",
        "!a",
        "!!str",
        "%x",
        "@x",
        "`x",
        "'",
        "\"",
        "'a'",
        "\"a\"",
        "a'b",
        "a\"b",
        "a\\b",
        "\\",
        "\t",
        "a\tb",
        "\ta",
        "a\t",
        "\x01",
        "\x7f",
        "\u{85}",
        "\u{a0}",
        "\u{a0}x",
        "\u{2028}",
        "a\u{2029}b",
        "\u{feff}",
        "\u{feff}x",
        "x\u{feff}",
        "\u{fffe}",
        "\u{ffff}",
        "é",
        "日本語",
        "😀",
        " lead",
        "trail ",
        "a\nb",
        "a\n",
        "a\n\n",
        "a\n\n\n",
        "\n",
        "\n\n",
        "\na",
        "\n\na\n",
        "  a\nb\n",
        " a",
        "a \nb",
        "a\n ",
        "a\n b\n",
        "\r\n",
        "a\rb",
        "a\r",
        "|",
        "|-",
        "|+",
        ">",
        "<",
        "=",
        "x: y: z",
        "- - x",
        "a\n\n\nb",
        "#!/bin/sh\necho \"$1\"\n",
        "a\n#b\n",
        "---\n...\n",
        "a\n---\nb",
        "a\n...\n",
        "\u{feff}\n",
        "a\n\tb\n",
        "\ta\nb",
        "a\u{85}b\n",
        "é\nü\n",
        "key: value\nlist:\n- a\n",
    ];

    /// Pieces random texts are made of.
    const PIECES: &[&str] = &[
        " ", "a", "b", "0", "1", ".", "e", "x", ":", "-", "#", "\n", "'", "\"", "\\", "\t", "é",
        "\u{feff}", "{", "[", ",", "?", "!", "&", "*", "|", ">", "%", "@", "`", "~", "\r", "\x00",
        "true", "null", "0x", "--- ", "  ",
    ];

    fn text(rng: &mut Rng) -> String {
        match rng.below(10) {
            0..=4 => rng.pick(NASTY).to_string(),
            5 => {
                // A long string, with or without spaces and line breaks.
                let unit = *rng.pick(&["word ", "x", "line\n", "a: b "]);
                unit.repeat(50 + rng.below(400))
            }
            _ => (0..rng.below(8)).map(|_| *rng.pick(PIECES)).collect(),
        }
    }

    fn scalar(rng: &mut Rng, key: bool) -> Node {
        let styles = [
            Style::Plain,
            Style::Plain,
            Style::SingleQuoted,
            Style::DoubleQuoted,
            Style::Literal,
            Style::Folded,
        ];
        let tags = [
            Tag::Str,
            Tag::Int,
            Tag::Float,
            Tag::Bool,
            Tag::Null,
            Tag::Other,
        ];
        loop {
            let text = text(rng);
            let style = *rng.pick(&styles);
            // Keys are strings or untagged: a tagged key's text is what maps compare.
            let tag = if rng.below(5) > 0 {
                Tag::None
            } else if key {
                Tag::Str
            } else {
                *rng.pick(&tags)
            };
            let node = Node::new(Value::Scalar(Scalar { text, style, tag }), Origin::NONE);
            // Values no tree equals (NaN), and keys maps cannot hold (null: keyless; `<<`:
            // a merge), are not generated.
            let ok = match node.typed() {
                Some(Typed::Float(f)) => !f.is_nan(),
                Some(Typed::Null) => !key,
                _ => true,
            };
            if ok && !(key && node.as_str() == Some("<<")) {
                return node;
            }
        }
    }

    fn tree(rng: &mut Rng, depth: usize) -> Node {
        let leaf = depth == 0 || rng.below(3) == 0;
        if leaf {
            return match rng.below(12) {
                0 => Node::map(Origin::NONE),
                1 => Node::new(Value::Seq(Vec::new()), Origin::NONE),
                _ => scalar(rng, false),
            };
        }
        let n = rng.below(5);
        if rng.below(2) == 0 {
            let items = (0..n).map(|_| tree(rng, depth - 1)).collect();
            return Node::new(Value::Seq(items), Origin::NONE);
        }
        let mut entries: Vec<(Node, Node)> = Vec::new();
        while entries.len() < n {
            let key = scalar(rng, true);
            let dup = entries.iter().any(|(k, _)| k.as_str() == key.as_str());
            if !dup {
                entries.push((key, tree(rng, depth - 1)));
            }
        }
        Node::new(Value::Map(entries), Origin::NONE)
    }

    #[test]
    fn random_trees_round_trip() {
        // EMIT_SEED and EMIT_N (batches of 1 to 3 trees) run other or longer searches.
        let mut rng = Rng(std::env::var("EMIT_SEED")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0x5EED));
        let (mut trees_made, mut scalars) = (0, 0);
        for _ in 0..std::env::var("EMIT_N")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2000)
        {
            let objects: Vec<Node> = (0..1 + rng.below(3)).map(|_| tree(&mut rng, 5)).collect();
            trees_made += objects.len();
            scalars += objects.iter().map(count_scalars).sum::<usize>();
            round_trip(&objects);
        }
        // Every nasty text, alone, as a key and as a value.
        for t in NASTY.iter().filter(|t| **t != "<<") {
            for style in [Style::Plain, Style::SingleQuoted, Style::Literal] {
                let s = |text: &str| {
                    Node::new(
                        Value::Scalar(Scalar {
                            text: text.to_string(),
                            style,
                            tag: Tag::None,
                        }),
                        Origin::NONE,
                    )
                };
                // As the renderer makes strings, too.
                let mut objects = vec![s(t), Node::string(*t, Origin::NONE)];
                if !s(t).is_null() {
                    let entry = (s(t), s(t));
                    objects.push(Node::new(Value::Map(vec![entry]), Origin::NONE));
                }
                objects.push(Node::new(Value::Seq(vec![s(t), s(t)]), Origin::NONE));
                trees_made += objects.len();
                round_trip(&objects);
            }
        }
        println!("random trees: {trees_made} round-tripped ({scalars} random scalars)");
    }

    fn count_scalars(n: &Node) -> usize {
        match &n.value {
            Value::Scalar(_) => 1,
            Value::Seq(items) => items.iter().map(count_scalars).sum(),
            Value::Map(e) => e
                .iter()
                .map(|(k, v)| count_scalars(k) + count_scalars(v))
                .sum(),
        }
    }

    #[test]
    fn real_manifests_round_trip() {
        let root = std::path::Path::new("/work/shared/corpus/real");
        if !root.is_dir() {
            println!("corpus absent: skipped");
            return;
        }
        let mut dirs = vec![root.to_path_buf()];
        let (mut files, mut docs, mut skipped) = (0, 0, 0);
        while let Some(dir) = dirs.pop() {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut paths: Vec<_> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "yaml") {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let stream = crate::yaml::parse(&text);
                let mut objects = Vec::new();
                for d in &stream.documents {
                    let tree = crate::yaml::NodeRef::root(d)
                        .and_then(|r| from_yaml(r, 0, &mut 1_000_000).ok());
                    // Trees not equal to themselves (duplicate or null keys) cannot be
                    // compared.
                    match tree {
                        Some(t) if t.same(&t) => objects.push(t),
                        _ => skipped += 1,
                    }
                }
                if objects.is_empty() {
                    continue;
                }
                files += 1;
                docs += objects.len();
                let out = std::panic::catch_unwind(|| round_trip(&objects));
                assert!(out.is_ok(), "{}", path.display());
            }
        }
        println!("corpus: {docs} documents of {files} files round-tripped, {skipped} skipped");
        assert!(docs > 0);
    }
}
