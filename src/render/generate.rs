//! `configMapGenerator` and `secretGenerator` entries, made into the ConfigMaps and Secrets
//! `kubectl kustomize` (kustomize v5.5) makes of them, and the name suffix kustomize hashes
//! from the result.
//!
//! Every data value remembers what wrote it: a literal its item of the kustomization, an
//! env-file value its line, a whole file that file. What kustomize v5.5 does, checked against
//! `kubectl kustomize` and copied here even where its documentation says otherwise:
//! - the name is not hashed (its hasher looks `metadata/name` up as one field name, finds
//!   nothing and hashes `""`), nor are `immutable`, the labels, annotations or namespace;
//! - keys are not validated (kubectl's kustomize has a validator that accepts everything);
//! - env files: a line without `=` is the key with an empty value, a line `=v` is skipped,
//!   quotes are kept, and reading stops silently at a line of 64 KiB or more (Go's
//!   `bufio.Scanner` limit, whose error kustomize never checks);
//! - a literal's value loses one pair of matching surrounding quotes (`"v"` or `'v'`);
//! - an unknown `behavior` is `create`; a Secret without data has `data: {}`, a ConfigMap none.
//!
//! Not done: remote (`https://`) files; directories in `files` (kustomize refuses them too);
//! values that are not UTF-8 (`binaryData`: the reader gives text only); U+0085 in a literal
//! (kustomize's YAML round trip of the entry folds it into a space or a line break).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::tree::{MAX_DEPTH, Node, Origin, Typed, Value};
use crate::kustomize::normalize;
use crate::source::SourceFile;
use crate::yaml::{Span, Style, Tag};

/// Something the generator reads: its file index in the set (for origins) and text.
pub trait Reader {
    fn read(&mut self, path: &Path) -> Result<(u32, Arc<SourceFile>), String>;
}

/// What the generated object does to one of the same name from the bases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    Create,
    Merge,
    Replace,
}

#[derive(Clone, Debug)]
pub struct Generated {
    pub object: Node,
    pub behavior: Behavior,
    /// The name needs the hash suffix (`name_hash`, once the object is final).
    pub hash: bool,
}

/// How kustomize's errors name a generator (Go types and kustomization fields).
struct Names {
    args: &'static str,
    field: &'static str,
    plugin: &'static str,
}

const CONFIG_MAP: Names = Names {
    args: "ConfigMapArgs",
    field: "configMapGenerator",
    plugin: "ConfigMapGenerator",
};
const SECRET: Names = Names {
    args: "SecretArgs",
    field: "secretGenerator",
    plugin: "SecretGenerator",
};

/// `bufio.Scanner`'s default limit: kustomize stops reading an env file at a line this long.
const MAX_ENV_LINE: usize = 64 * 1024;

/// One generator entry (`entry`: a tree of the list item, its nodes' origins in the
/// kustomization file; `options`: the kustomization's `generatorOptions`, if any), `dir` the
/// kustomization's directory, `secret` for secretGenerator.
pub fn generate(
    entry: &Node,
    options: Option<&Node>,
    dir: &Path,
    secret: bool,
    reader: &mut dyn Reader,
) -> Result<Generated, String> {
    let names = if secret { &SECRET } else { &CONFIG_MAP };
    // A null item decodes as an empty one (and fails for want of a name).
    let empty = Node::map(entry.origin);
    let entry = if entry.is_null() { &empty } else { entry };
    if !entry.is_map() {
        return Err(type_error(
            entry,
            &format!("Kustomization.{}", names.field),
            &format!("types.{}", names.args),
        ));
    }

    // Decoding first, as kustomize reads the whole kustomization before generating.
    let field = |key: &str| format!("{}.{}.{key}", names.args, names.field);
    let name = string_field(entry, "name", &field("name"))?;
    let namespace = string_field(entry, "namespace", &field("namespace"))?;
    let behavior = string_field(entry, "behavior", &field("behavior"))?;
    let kind_type = if secret {
        string_field(entry, "type", &field("type"))?
    } else {
        None
    };
    let mut envs = string_list(entry, "envs", &field("envs"))?;
    // The deprecated `env` is appended to `envs` (kustomize's fix-up of old kustomizations).
    if let Some(env) = string_field(entry, "env", &field("env"))?.filter(|(s, _)| !s.is_empty()) {
        envs.push(env);
    }
    let literals = string_list(entry, "literals", &field("literals"))?;
    let files = string_list(entry, "files", &field("files"))?;
    let local = read_options(
        entry.get("options"),
        &format!("GeneratorOptions.{}.options", names.field),
        &field("options"),
    )?;
    let global = read_options(
        options,
        "GeneratorOptions.generatorOptions",
        "Kustomization.generatorOptions",
    )?;
    let opts = local.merge(global);

    // kustomize hands the entry to its builtin plugin as YAML, which it cannot read back
    // with these characters in it.
    let mut args = vec![entry];
    args.extend(options);
    if args
        .iter()
        .any(|n| any_scalar(n, |s| s.chars().any(unprintable)))
    {
        return Err(format!(
            "builtin {} marshal: yaml: control characters are not allowed",
            names.plugin
        ));
    }

    let (name, name_node) = name
        .filter(|(s, _)| !s.is_empty())
        // Said of Secrets too.
        .ok_or("a configmap must have a name")?;
    let behavior = match behavior.map(|(s, _)| s) {
        Some("merge") => Behavior::Merge,
        Some("replace") => Behavior::Replace,
        _ => Behavior::Create,
    };

    let pairs = load(&envs, &literals, &files, dir, reader)
        .map_err(|e| format!("loading KV pairs: {e}"))?;
    let mut data: BTreeMap<String, Pair> = BTreeMap::new();
    for p in pairs {
        if data.contains_key(&p.key) {
            return Err(format!(
                "configmap {name} illegally repeats the key `{}`",
                p.key
            ));
        }
        data.insert(p.key.clone(), p);
    }
    // The printed output fails on them too (a Secret's values are base64, safe).
    if let Some(p) = data
        .values()
        .find(|p| p.key.chars().any(unprintable) || (!secret && p.value.chars().any(unprintable)))
    {
        return Err(format!(
            "{name}: key `{}`: yaml: control characters are not allowed",
            p.key
        ));
    }

    let o = name_node.origin;
    let mut top: Vec<(Node, Node)> = vec![(Node::string("apiVersion", o), Node::string("v1", o))];
    if secret || !data.is_empty() {
        let entries: Vec<(Node, Node)> = data
            .into_values()
            .map(|p| {
                let value = if secret {
                    base64_lines(p.value.as_bytes())
                } else {
                    p.value
                };
                (
                    Node::string(p.key, p.key_origin),
                    Node::string(value, p.value_origin),
                )
            })
            .collect();
        // The data as a whole is blamed on its first value (a literal's line, an env
        // file's line): what a finding on the Secret's data should point at.
        let d = entries.first().map_or(o, |(_, v)| v.origin);
        top.push((Node::string("data", d), Node::new(Value::Map(entries), d)));
    }
    if let Some(n) = opts.immutable {
        top.push((
            Node::string("immutable", n.origin),
            Node::plain("true", n.origin),
        ));
    }
    let kind = if secret { "Secret" } else { "ConfigMap" };
    top.push((Node::string("kind", o), Node::string(kind, o)));
    let mut metadata = Vec::new();
    for (key, map) in [("annotations", &opts.annotations), ("labels", &opts.labels)] {
        if !map.is_empty() {
            let entries = map
                .iter()
                .map(|(k, (kn, v, vn))| (Node::string(*k, kn.origin), Node::string(*v, vn.origin)))
                .collect();
            metadata.push((Node::string(key, o), Node::new(Value::Map(entries), o)));
        }
    }
    metadata.push((Node::string("name", o), Node::string(name, o)));
    if let Some((ns, n)) = namespace.filter(|(s, _)| !s.is_empty()) {
        metadata.push((
            Node::string("namespace", n.origin),
            Node::string(ns, n.origin),
        ));
    }
    top.push((
        Node::string("metadata", o),
        Node::new(Value::Map(metadata), o),
    ));
    if secret {
        let (t, to) = match kind_type.filter(|(s, _)| !s.is_empty()) {
            Some((t, n)) => (t, n.origin),
            None => ("Opaque", o),
        };
        top.push((Node::string("type", to), Node::string(t, to)));
    }
    Ok(Generated {
        object: Node::new(Value::Map(top), entry.origin),
        behavior,
        hash: !opts.no_hash,
    })
}

/// One key and value, with what wrote each.
struct Pair {
    key: String,
    value: String,
    key_origin: Origin,
    value_origin: Origin,
}

type Sources<'a> = [(&'a str, &'a Node)];

/// The pairs of the entry, in kustomize's order (env files, literals, files), with its
/// error messages (less the `loading KV pairs: ` prefix).
fn load(
    envs: &Sources,
    literals: &Sources,
    files: &Sources,
    dir: &Path,
    reader: &mut dyn Reader,
) -> Result<Vec<Pair>, String> {
    let mut pairs = Vec::new();
    for (path, _) in envs {
        let (id, file) = resolve(dir, path)
            .and_then(|p| reader.read(&p))
            .map_err(|e| format!("env source files: {}: {e}", go_list(envs)))?;
        env_pairs(&file.text, id, &mut pairs);
    }
    for (source, node) in literals {
        let (key, value) = parse_literal(source).ok_or_else(|| {
            format!(
                "literal sources {}: invalid literal source {source}, expected key=value",
                go_list(literals)
            )
        })?;
        pairs.push(Pair {
            key: key.to_string(),
            value: value.to_string(),
            key_origin: node.origin,
            value_origin: node.origin,
        });
    }
    for (source, node) in files {
        let (id, file, key) = parse_file_source(source)
            .and_then(|(key, path)| {
                let (id, file) = resolve(dir, path).and_then(|p| reader.read(&p))?;
                Ok((id, file, key))
            })
            .map_err(|e| format!("file sources: {}: {e}", go_list(files)))?;
        pairs.push(Pair {
            key,
            value: file.text.to_string(),
            key_origin: node.origin,
            value_origin: Origin {
                file: id,
                span: Span::new(0, file.text.len()),
            },
        });
    }
    Ok(pairs)
}

/// `k=v`: the key, and the value without one pair of matching surrounding quotes.
fn parse_literal(source: &str) -> Option<(&str, &str)> {
    let (key, value) = source.split_once('=')?;
    if key.is_empty() {
        return None;
    }
    for q in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            // Both ends are the one-byte quote: the slice is on character boundaries.
            return Some((key, value.get(1..value.len() - 1).unwrap_or(value)));
        }
    }
    Some((key, value))
}

/// `path` (keyed by its base name) or `key=path`.
fn parse_file_source(source: &str) -> Result<(String, &str), String> {
    let Some((key, path)) = source.split_once('=') else {
        return Ok((go_base(source), source));
    };
    if key.is_empty() {
        return Err(format!(
            "missing key name for file path {path:?} in source {source:?}"
        ));
    }
    if path.contains('=') && !is_remote(path) {
        return Err(format!(
            "source {source:?} key name or file path contains '='"
        ));
    }
    if path.is_empty() {
        return Err(format!(
            "missing file path for key name {key:?} in source {source:?}"
        ));
    }
    Ok((key.to_string(), path))
}

fn is_remote(path: &str) -> bool {
    path.starts_with("http://") || path.starts_with("https://")
}

/// Go's `path.Base`: the last slash-separated element.
fn go_base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `%v` of a `[]string`, as kustomize's messages list the sources.
fn go_list(sources: &Sources) -> String {
    let texts: Vec<&str> = sources.iter().map(|(s, _)| *s).collect();
    format!("[{}]", texts.join(" "))
}

/// The path of `source` in `dir`, if it stays in `dir`'s tree (kustomize's default
/// `LoadRestrictionsRootOnly`). Lexical: symbolic links are the reader's business.
fn resolve(dir: &Path, source: &str) -> Result<PathBuf, String> {
    if is_remote(source) {
        return Err(format!("{source}: remote files are not read"));
    }
    let path = normalize(&dir.join(source));
    let root = normalize(dir);
    let (p, r) = if path.is_absolute() == root.is_absolute() {
        (path.clone(), root)
    } else {
        (absolute(&path), absolute(&root))
    };
    // Normalized, a path has `..` only in front: one left after the root climbs out of it.
    let inside = p
        .strip_prefix(&r)
        .is_ok_and(|rest| rest.components().next() != Some(Component::ParentDir));
    if !inside {
        return Err(format!(
            "security; file '{}' is not in or below '{}'",
            absolute(&p).display(),
            absolute(&r).display()
        ));
    }
    Ok(path)
}

/// Against the working directory, to compare with an absolute path (as given on failure).
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::path::absolute(p)
        .map(|a| normalize(&a))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// The `KEY=value` lines of an env file (`id` in the set), each with its line's span.
fn env_pairs(text: &str, id: u32, out: &mut Vec<Pair>) {
    let mut start = 0;
    while start < text.len() {
        let rest = text.get(start..).unwrap_or("");
        let (raw, next) = match rest.find('\n') {
            Some(i) => (rest.get(..i).unwrap_or(""), start + i + 1),
            None => (rest, text.len()),
        };
        if raw.len() >= MAX_ENV_LINE {
            break;
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let origin = Origin {
            file: id,
            span: Span::new(start, start + line.len()),
        };
        // A byte-order mark is dropped from the first line only.
        let line = if start == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        // Go's unicode.IsSpace is Unicode's White_Space, as Rust's trim.
        let line = line.trim_start();
        start = next;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() {
            continue;
        }
        out.push(Pair {
            key: key.to_string(),
            value: value.to_string(),
            key_origin: origin,
            value_origin: origin,
        });
    }
}

/// What kustomize's YAML library refuses to read back: DEL, the C1 controls but NEL,
/// and the two noncharacters U+FFFE and U+FFFF.
fn unprintable(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// Does any scalar (key or value) under `node` satisfy `f`?
fn any_scalar(node: &Node, f: impl Fn(&str) -> bool) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Scalar(s) => {
                if f(&s.text) {
                    return true;
                }
            }
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    false
}

/// A `map[string]string` of the kustomization: key → (its node, value, value node).
type StringMap<'a> = BTreeMap<&'a str, (&'a Node, &'a str, &'a Node)>;

/// `labels` and `annotations`, and the two switches, each with the node that turned it on.
#[derive(Default)]
struct Options<'a> {
    labels: StringMap<'a>,
    annotations: StringMap<'a>,
    no_hash: bool,
    immutable: Option<&'a Node>,
}

impl<'a> Options<'a> {
    /// kustomize's MergeGlobalOptionsIntoLocal: local labels and annotations win; a global
    /// `true` wins over a local `false`.
    fn merge(mut self, global: Options<'a>) -> Options<'a> {
        for (k, v) in global.labels {
            self.labels.entry(k).or_insert(v);
        }
        for (k, v) in global.annotations {
            self.annotations.entry(k).or_insert(v);
        }
        self.no_hash |= global.no_hash;
        self.immutable = self.immutable.or(global.immutable);
        self
    }
}

/// `options` or `generatorOptions`: `prefix` names its fields in errors, `whole` itself.
fn read_options<'a>(
    node: Option<&'a Node>,
    prefix: &str,
    whole: &str,
) -> Result<Options<'a>, String> {
    let mut opts = Options::default();
    let Some(node) = node.filter(|n| !n.is_null()) else {
        return Ok(opts);
    };
    if !node.is_map() {
        return Err(type_error(node, whole, "types.GeneratorOptions"));
    }
    opts.labels = string_map(node, "labels", &format!("{prefix}.labels"))?;
    opts.annotations = string_map(node, "annotations", &format!("{prefix}.annotations"))?;
    opts.no_hash = bool_field(
        node,
        "disableNameSuffixHash",
        &format!("{prefix}.disableNameSuffixHash"),
    )?
    .is_some();
    opts.immutable = bool_field(node, "immutable", &format!("{prefix}.immutable"))?;
    Ok(opts)
}

/// The JSON type kustomize's decoder sees in a node (YAML 1.1 typing, as it reads).
fn json_kind(n: &Node) -> &'static str {
    match &n.value {
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
        Value::Scalar(_) => match n.typed() {
            Some(Typed::Bool(_)) => "bool",
            Some(Typed::Int(_) | Typed::Float(_)) => "number",
            Some(Typed::Null) => "null",
            _ => "string",
        },
    }
}

/// kustomize's (Go's encoding/json) message for a field of the wrong type.
fn type_error(found: &Node, field: &str, want: &str) -> String {
    format!(
        "invalid Kustomization: json: cannot unmarshal {} into Go struct field {field} of type {want}",
        json_kind(found)
    )
}

/// A string field: `None` when missing or null (Go's zero value).
fn string_field<'a>(
    map: &'a Node,
    key: &str,
    field: &str,
) -> Result<Option<(&'a str, &'a Node)>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(n) => match n.typed() {
            Some(Typed::Null) => Ok(None),
            Some(Typed::Str(s)) => Ok(Some((s, n))),
            _ => Err(type_error(n, field, "string")),
        },
    }
}

/// A list of strings (a null item is Go's zero value, `""`).
fn string_list<'a>(
    map: &'a Node,
    key: &str,
    field: &str,
) -> Result<Vec<(&'a str, &'a Node)>, String> {
    let Some(list) = map.get(key).filter(|n| !n.is_null()) else {
        return Ok(Vec::new());
    };
    if !list.is_seq() {
        return Err(type_error(list, field, "[]string"));
    }
    list.items()
        .iter()
        .map(|item| match item.typed() {
            Some(Typed::Null) => Ok(("", item)),
            Some(Typed::Str(s)) => Ok((s, item)),
            _ => Err(type_error(item, field, "string")),
        })
        .collect()
}

/// A boolean field: the node when it is `true`.
fn bool_field<'a>(map: &'a Node, key: &str, field: &str) -> Result<Option<&'a Node>, String> {
    match map.get(key) {
        None => Ok(None),
        Some(n) => match n.typed() {
            Some(Typed::Null | Typed::Bool(false)) => Ok(None),
            Some(Typed::Bool(true)) => Ok(Some(n)),
            _ => Err(type_error(n, field, "bool")),
        },
    }
}

/// A `map[string]string` field, by key (a later duplicate wins, as in Go's decoder).
fn string_map<'a>(map: &'a Node, key: &str, field: &str) -> Result<StringMap<'a>, String> {
    let mut out = BTreeMap::new();
    let Some(node) = map.get(key).filter(|n| !n.is_null()) else {
        return Ok(out);
    };
    if !node.is_map() {
        return Err(type_error(node, field, "map[string]string"));
    }
    for (k, v) in node.entries() {
        let value = match v.typed() {
            Some(Typed::Null) => "",
            Some(Typed::Str(s)) => s,
            _ => return Err(type_error(v, field, "string")),
        };
        out.insert(scalar_text(k), (k, value, v));
    }
    Ok(out)
}

/// The text of a scalar as written (`""` for a collection).
fn scalar_text(n: &Node) -> &str {
    match &n.value {
        Value::Scalar(s) => &s.text,
        _ => "",
    }
}

/// The suffix kustomize gives a generated ConfigMap or Secret (10 characters), from its
/// current data and type (and `binaryData` or `stringData` when they are maps). Not from
/// its name, which kustomize v5.5 means to hash but does not find (it hashes `""`).
/// `None` for another kind, or data kustomize cannot encode (a non-finite number).
pub fn name_hash(object: &Node) -> Option<String> {
    let kind = object.str_at(&["kind"])?;
    // The fields of kustomize's encoding, in the sorted order json.Marshal writes a map in.
    let mut fields: Vec<(&str, Option<&Node>)> = Vec::new();
    let extra = |key: &'static str| {
        object
            .get(key)
            .filter(|n| n.is_map())
            .map(|n| (key, Some(n)))
    };
    match kind {
        "ConfigMap" => {
            fields.extend(extra("binaryData"));
            fields.push(("data", object.get("data")));
        }
        "Secret" => fields.push(("data", object.get("data"))),
        _ => return None,
    }
    let mut json = String::from("{");
    for (key, node) in fields {
        quote(&mut json, key);
        json.push(':');
        field_json(&mut json, node)?;
        json.push(',');
    }
    quote(&mut json, "kind");
    json.push(':');
    quote(&mut json, kind);
    json.push_str(",\"name\":\"\"");
    if kind == "Secret" {
        if let Some((key, node)) = extra("stringData") {
            json.push(',');
            quote(&mut json, key);
            json.push(':');
            field_json(&mut json, node)?;
        }
        json.push_str(",\"type\":");
        field_json(&mut json, object.get("type"))?;
    }
    json.push('}');
    let digest = sha256::digest(json.as_bytes());
    let mut out = String::with_capacity(10);
    for b in digest.iter().take(5) {
        for nibble in [b >> 4, b & 0xf] {
            out.push(match nibble {
                0 => 'g',
                1 => 'h',
                3 => 'k',
                0xa => 'm',
                0xe => 't',
                n => char::from_digit(u32::from(n), 16)?,
            });
        }
    }
    Some(out)
}

/// A field as kustomize's hasher takes it: missing is `""`, a scalar its text, a map the
/// JSON of its decoded value (a list fails to decode into its map: `null`).
fn field_json(out: &mut String, node: Option<&Node>) -> Option<()> {
    match node.map(|n| &n.value) {
        None => quote(out, ""),
        Some(Value::Scalar(s)) => quote(out, &s.text),
        Some(Value::Map(_)) => value_json(out, node?, 0)?,
        Some(Value::Seq(_)) => out.push_str("null"),
    }
    Some(())
}

/// A node as Go's json.Marshal writes its YAML-decoded value: maps with sorted keys (a
/// later duplicate wins), numbers as float64.
fn value_json(out: &mut String, node: &Node, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &node.value {
        Value::Map(entries) => {
            let sorted: BTreeMap<&str, &Node> =
                entries.iter().map(|(k, v)| (scalar_text(k), v)).collect();
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(out, k);
                out.push(':');
                value_json(out, v, depth + 1)?;
            }
            out.push('}');
        }
        Value::Seq(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value_json(out, v, depth + 1)?;
            }
            out.push(']');
        }
        Value::Scalar(s) => {
            let typed = if s.tag == Tag::None && s.style != Style::Plain {
                Typed::Str(&s.text)
            } else {
                node.typed()?
            };
            match typed {
                Typed::Null => out.push_str("null"),
                // YAML 1.2 (kustomize's decoder): `yes` and `on` are strings.
                Typed::Bool(b)
                    if s.tag == Tag::Bool
                        || matches!(s.text.to_ascii_lowercase().as_str(), "true" | "false") =>
                {
                    out.push_str(if b { "true" } else { "false" })
                }
                Typed::Bool(_) => quote(out, &s.text),
                Typed::Int(i) => out.push_str(&go_float(i as f64)?),
                Typed::Float(f) => out.push_str(&go_float(f)?),
                Typed::Str(t) => quote(out, t),
            }
        }
    }
    Some(())
}

/// A float64 as Go's encoding/json writes it (shortest digits; exponent form below 1e-6
/// and from 1e21, as `1e+21` and `1e-7`). `None` for NaN and infinities, which it refuses.
fn go_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e')?;
        let exp = match exp.strip_prefix('-') {
            Some(digits) => format!("-{digits}"),
            None => format!("+{exp}"),
        };
        return Some(format!("{mantissa}e{exp}"));
    }
    Some(format!("{f}"))
}

/// A JSON string as Go's encoding/json writes it: HTML-safe (`<`, `>`, `&` escaped),
/// U+2028 and U+2029 escaped, `\b` `\f` `\n` `\r` `\t` short (Go 1.22+), other controls
/// `\u00xx`.
fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A Secret's value as kustomize writes it: base64 in lines of 70 characters, each ended
/// by a newline, once it is 70 characters or more (the hash reads these newlines too).
fn base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let (line, more) = rest.split_at(rest.len().min(LINE));
        out.push_str(line);
        out.push('\n');
        rest = more;
    }
    out
}

/// Standard base64 (RFC 4648 alphabet, padded), as Secrets hold their values.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32| char::from(ALPHABET.get((n & 63) as usize).copied().unwrap_or(b'='));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sextet(n >> 18));
        out.push(sextet(n >> 12));
        out.push(if chunk.len() > 1 { sextet(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n) } else { '=' });
    }
    out
}

/// SHA-256 (FIPS 180-4), for the name hash: one function, whole messages.
mod sha256 {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    const H0: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];

    pub fn digest(data: &[u8]) -> [u8; 32] {
        let mut h = H0;
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut h, block);
        }
        // The last bytes, 0x80, zeros and the length in bits: one block or two.
        let rest = blocks.remainder();
        let mut tail = [0u8; 128];
        for (t, b) in tail.iter_mut().zip(rest.iter().chain([0x80u8].iter())) {
            *t = *b;
        }
        let len = if rest.len() < 56 { 64 } else { 128 };
        let bits = (data.len() as u64).wrapping_mul(8).to_be_bytes();
        for (t, b) in tail.iter_mut().skip(len - 8).zip(bits) {
            *t = b;
        }
        for block in tail.chunks_exact(64).take(len / 64) {
            compress(&mut h, block);
        }
        let mut out = [0u8; 32];
        for (o, word) in out.chunks_exact_mut(4).zip(h) {
            o.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// One 64-byte block into the state (the indices are the algorithm's, all in range).
    fn compress(h: &mut [u32; 8], block: &[u8]) {
        let mut w = [0u32; 64];
        for (wi, c) in w.iter_mut().zip(block.chunks_exact(4)) {
            *wi = c.try_into().map(u32::from_be_bytes).unwrap_or(0);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
        for (k, wi) in K.iter().zip(w) {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(*k)
                .wrapping_add(wi);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tree::from_yaml;
    use crate::yaml::NodeRef;
    use std::collections::HashMap;

    /// Files served from memory; file 0 is the kustomization, the others numbered from 1.
    struct Files(HashMap<PathBuf, (u32, Arc<SourceFile>)>);

    impl Reader for Files {
        fn read(&mut self, path: &Path) -> Result<(u32, Arc<SourceFile>), String> {
            self.0
                .get(path)
                .cloned()
                .ok_or_else(|| format!("{}: no such file", path.display()))
        }
    }

    fn files(list: &[(&str, &str)]) -> Files {
        Files(
            list.iter()
                .zip(1..)
                .map(|((p, text), id)| {
                    let path = Path::new("k").join(p);
                    let file = Arc::new(SourceFile::new(path.to_string_lossy(), *text));
                    (path, (id, file))
                })
                .collect(),
        )
    }

    fn tree(text: &str) -> Node {
        let stream = crate::yaml::parse(text);
        assert!(stream.errors.is_empty(), "{:?}", stream.errors);
        let root = NodeRef::root(&stream.documents[0]).unwrap();
        from_yaml(root, 0, &mut 100_000).unwrap()
    }

    /// Every generator of the kustomization `text` in directory `k`, config maps first.
    fn generate_all(text: &str, list: &[(&str, &str)]) -> Vec<Result<Generated, String>> {
        let kustomization = tree(text);
        let mut reader = files(list);
        let options = kustomization.get("generatorOptions");
        let mut out = Vec::new();
        for (key, secret) in [("configMapGenerator", false), ("secretGenerator", true)] {
            for entry in kustomization.get(key).map(Node::items).unwrap_or(&[]) {
                out.push(generate(
                    entry,
                    options,
                    Path::new("k"),
                    secret,
                    &mut reader,
                ));
            }
        }
        out
    }

    /// The names `kubectl kustomize` prints: with the hash suffix unless disabled.
    fn names(text: &str, list: &[(&str, &str)]) -> Vec<String> {
        generate_all(text, list)
            .into_iter()
            .map(|g| {
                let g = g.unwrap();
                let name = g.object.str_at(&["metadata", "name"]).unwrap().to_string();
                if g.hash {
                    format!("{name}-{}", name_hash(&g.object).unwrap())
                } else {
                    name
                }
            })
            .collect()
    }

    fn only(text: &str, list: &[(&str, &str)]) -> Generated {
        generate_all(text, list).pop().unwrap().unwrap()
    }

    fn error(text: &str, list: &[(&str, &str)]) -> String {
        generate_all(text, list).pop().unwrap().unwrap_err()
    }

    fn data(g: &Generated) -> Vec<(String, String)> {
        g.object
            .get("data")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
            .collect()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_standard_vectors() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
            (
                b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(&sha256::digest(input)), *want);
        }
        assert_eq!(
            hex(&sha256::digest(&vec![b'a'; 1_000_000])),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        // Lengths around the padding's block boundary (from Python's hashlib).
        let boundary = [
            (
                55,
                "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b",
            ),
            (
                56,
                "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27",
            ),
            (
                63,
                "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055",
            ),
            (
                64,
                "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241",
            ),
            (
                65,
                "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e",
            ),
            (
                119,
                "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e",
            ),
            (
                120,
                "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5",
            ),
            (
                128,
                "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6",
            ),
        ];
        for (n, want) in boundary {
            let input: Vec<u8> = (0..n).map(|i: u32| ((i * 7 + 3) % 256) as u8).collect();
            assert_eq!(hex(&sha256::digest(&input)), want, "length {n}");
        }
    }

    #[test]
    fn base64_standard_vectors() {
        // RFC 4648, section 10.
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn go_json_formatting() {
        let q = |s: &str| {
            let mut out = String::new();
            quote(&mut out, s);
            out
        };
        assert_eq!(q("a<b>&\"\\"), r#""a\u003cb\u003e\u0026\"\\""#);
        assert_eq!(
            q("\n\r\t\u{8}\u{c}\u{1}\u{1b}"),
            r#""\n\r\t\b\f\u0001\u001b""#
        );
        assert_eq!(
            q("\u{2028}\u{2029}\u{7f}é😀"),
            "\"\\u2028\\u2029\u{7f}é😀\""
        );
        let f = |x: f64| go_float(x).unwrap();
        assert_eq!(f(5.0), "5");
        assert_eq!(f(-2.0), "-2");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(1.5e-10), "1.5e-10");
        assert_eq!(f(1e30), "1e+30");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(1e20), "100000000000000000000");
        assert_eq!(f(0.000001), "0.000001");
        assert_eq!(go_float(f64::NAN), None);
    }

    /// Names with hash suffixes as `kubectl kustomize` (v5.5) printed them.
    #[test]
    fn name_hashes_match_kubectl() {
        let literals = "configMapGenerator:
- name: cm
  literals:
  - b=2
  - a=x=y
  - q=\"quoted\"
  - s='single'
  - m=\"mismatch'
  - lt=<&>
  - uni=héllo ☃ 😀
  - e=
  - ctl=a\tb
secretGenerator:
- name: sec
  literals:
  - b=2
  - a=hello
";
        assert_eq!(names(literals, &[]), ["cm-h5h4gch455", "sec-5d7274bccf"]);

        // The same data under another name: the same suffix (the name is not hashed).
        let simple = "configMapGenerator:
- name: cm
  literals: [a=b]
- name: other
  literals: [a=b]
- name: empty
secretGenerator:
- name: sec
  literals: [a=b]
- name: s
";
        assert_eq!(
            names(simple, &[]),
            [
                "cm-4h2mbtbbt6",
                "other-4h2mbtbbt6",
                "empty-6ct58987ht",
                "sec-k695gkmbtk",
                "s-46f8b28mk5"
            ]
        );

        // Env files, files, options (`immutable` is not hashed), TLS type.
        let mixed = "generatorOptions:
  labels:
    gl: g
  annotations:
    ga: g
configMapGenerator:
- name: cm
  namespace: ns
  envs:
  - e.env
  - bom.env
  files:
  - sub/f.txt
  - k2=sub/f.txt
  literals:
  - z=1
  options:
    labels:
      ol: o
    immutable: true
    disableNameSuffixHash: false
- name: cm2
  env: e.env
- name: cm3
  literals:
  - a=b
  options:
    immutable: true
- name: cm4
  literals:
  - a=b
  options:
    disableNameSuffixHash: true
secretGenerator:
- name: s1
  type: kubernetes.io/tls
  files:
  - tls.crt=sub/f.txt
  - tls.key=sub/f.txt
- name: s2
  literals:
  - a=b
  options:
    immutable: true
";
        let mixed_files = [
            (
                "e.env",
                "# comment\n\n  SP=lead\nA=1\nB=x=y\nNOEQ\nQ=\"quoted\"\nTRAIL=v  \r\n",
            ),
            ("bom.env", "\u{feff}BOM=1\n"),
            ("sub/f.txt", "hello\nworld\n"),
        ];
        assert_eq!(
            names(mixed, &mixed_files),
            [
                "cm-82f57tgh55",
                "cm2-b44db268gm",
                "cm3-4h2mbtbbt6",
                "cm4",
                "s1-4268gtfd4m",
                "s2-k695gkmbtk"
            ]
        );

        let secrets = "secretGenerator:
- name: db
  namespace: prod
  type: kubernetes.io/basic-auth
  envs: [db.env]
- name: uni
  literals:
  - \"greeting=héllo wörld ☃\\nline2\"
  - token='abc'
- name: key
  type: Opaque
  files: [ssh=key.pem]
  options:
    annotations: {note: x}
";
        let secret_files = [
            ("db.env", "# db\nUSER=admin\nPASS=p@ss=w<rd>\n"),
            ("key.pem", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n"),
        ];
        assert_eq!(
            names(secrets, &secret_files),
            ["db-g7c6t6t878", "uni-tmf48b265t", "key-fdcfct44g6"]
        );

        // Go's JSON escapes (each with a key `x<y>z&w`).
        let escapes = [
            (r"a\bb", "bfmt97gk9t"),
            (r"a\fb", "fd7dmm826c"),
            (r"a\x01b", "8cbmcbfh68"),
            (r"a\x1bb", "ckhf27gkm7"),
            (r"a\u2028b\u2029c", "26gtm4gdkf"),
            (r#"\"a\\b\"c\"\r\n"#, "b2h65h4bt5"),
            (r"a\ufeffb", "khhfdtthhc"),
            (r"a\rb", "chf77kbcmk"),
            (r"a\0b", "66f4gfg482"),
            (r"a\ud7ffb", "m27565dd55"),
            (r"a\U0001F600b", "2485gfm698"),
        ];
        for (value, hash) in escapes {
            let text = format!(
                "configMapGenerator:\n- name: c\n  literals: [\"k={value}\", \"x<y>z&w=1\"]\n"
            );
            assert_eq!(names(&text, &[]), [format!("c-{hash}")], "{value}");
        }

        // Env-file edges: spaces kept around `=`, Unicode spaces trimmed in front, a lone
        // CR kept, a byte-order mark past the first line kept, `=v` skipped, NEL kept.
        let env = "configMapGenerator:\n- name: cm\n  envs: [e.env]\n";
        let weird = "A = 1\n \t \n  # c\n\u{a0}NB=2\nCR=a\rb\r\n\u{feff}B2=3\n=5\nLAST=z";
        assert_eq!(names(env, &[("e.env", weird)]), ["cm-mmf67c6gd6"]);
        let keys = "a.b=1\n1A=2\na-b=3\nsp ace=4\n=5\n";
        assert_eq!(names(env, &[("e.env", keys)]), ["cm-ctm422c5m6"]);
        let nel = "k=a\u{85}b\nx<y>z&w=1\n";
        assert_eq!(names(env, &[("e.env", nel)]), ["cm-gk267k5k78"]);
    }

    #[test]
    fn env_files_stop_at_a_64k_line() {
        let env = "configMapGenerator:\n- name: c\n  envs: [e.env]\n";
        let fits = format!("L={}\nAFTER=1\n", "y".repeat(65533));
        assert_eq!(names(env, &[("e.env", &fits)]), ["c-2c74tcf8k8"]);
        let fits_cr = format!("L={}\r\nAFTER=1\n", "y".repeat(65532));
        assert_eq!(names(env, &[("e.env", &fits_cr)]), ["c-2874cmbtg2"]);
        // One byte more: reading stops before that line (`6ct58987ht`: no data).
        let long = format!("L={}\nAFTER=1\n", "y".repeat(65534));
        assert_eq!(names(env, &[("e.env", &long)]), ["c-6ct58987ht"]);
        let last = format!("L={}", "y".repeat(65534));
        assert_eq!(names(env, &[("e.env", &last)]), ["c-6ct58987ht"]);
        let after = format!("X=1\nL={}", "y".repeat(65534));
        let g = only(env, &[("e.env", &after)]);
        assert_eq!(data(&g), [("X".into(), "1".into())]);
        let long = format!("X=1\nLONG={}\nAFTER=1\n", "y".repeat(70000));
        assert_eq!(names(env, &[("e.env", &long)]), ["c-4f64tg9ch6"]);
    }

    /// A ConfigMap patched with numbers, booleans and a YAML 1.1 `yes` (kubectl hashes
    /// the patched object: `kf84g8ff26`).
    #[test]
    fn name_hash_of_typed_values() {
        let object = tree(
            "apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
data:
  k: v
  n: 5
  neg: -2
  f: 1.5
  tiny: 0.0000001
  b: true
  yes: yes
  h: 0x1F
  q: \"5\"
",
        );
        assert_eq!(name_hash(&object).as_deref(), Some("kf84g8ff26"));
        let other = tree("apiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n");
        assert_eq!(name_hash(&other), None);
        // binaryData is hashed when it is a map (kustomize's hasher tests).
        let binary = tree("kind: ConfigMap\ndata:\n  one: \"\"\nbinaryData:\n  two: \"\"\n");
        assert_eq!(name_hash(&binary).as_deref(), Some("698h7c7t9m"));
        let string_data =
            tree("kind: Secret\ntype: my-type\ndata:\n  one: \"\"\nstringData:\n  two: \"2\"\n");
        assert!(name_hash(&string_data).is_some());
        let no_type = tree("kind: Secret\ntype: my-type\n");
        assert_eq!(name_hash(&no_type).as_deref(), Some("5gmgkf8578"));
    }

    #[test]
    fn generates_the_object_kubectl_prints() {
        let g = only(
            "configMapGenerator:
- name: cm
  namespace: ns
  behavior: merge
  literals: [b=2, 'a=\"x\"']
  files: [sub/f.txt]
",
            &[("sub/f.txt", "hello\n")],
        );
        assert_eq!(g.behavior, Behavior::Merge);
        assert!(g.hash);
        let keys: Vec<_> = g
            .object
            .entries()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, ["apiVersion", "data", "kind", "metadata"]);
        assert_eq!(g.object.str_at(&["apiVersion"]), Some("v1"));
        assert_eq!(g.object.str_at(&["kind"]), Some("ConfigMap"));
        assert_eq!(g.object.str_at(&["metadata", "namespace"]), Some("ns"));
        assert_eq!(
            data(&g),
            [
                ("a".into(), "x".into()),
                ("b".into(), "2".into()),
                ("f.txt".into(), "hello\n".into())
            ]
        );
        // "2" stays a string.
        let two = g.object.path(&["data", "b"]).unwrap();
        assert_eq!(two.as_string(), Some("2"));

        let s = only(
            "secretGenerator:\n- name: s\n  literals: [a=hello]\n  behavior: replace\n",
            &[],
        );
        assert_eq!(s.behavior, Behavior::Replace);
        assert_eq!(s.object.str_at(&["type"]), Some("Opaque"));
        assert_eq!(data(&s), [("a".into(), "aGVsbG8=".into())]);
        let keys: Vec<_> = s
            .object
            .entries()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, ["apiVersion", "data", "kind", "metadata", "type"]);

        // An unknown behavior is `create`, as in kustomize.
        let weird = only(
            "configMapGenerator:\n- name: c\n  behavior: weird\n  literals: [a=b]\n",
            &[],
        );
        assert_eq!(weird.behavior, Behavior::Create);
    }

    #[test]
    fn literal_quotes_and_keys() {
        let g = only(
            r#"configMapGenerator:
- name: c
  literals: ["k=\"", "q=''", "r=\"a\nb\"", "s= \"x\" ", "m=\"x'", "e=", "a b=c", "eq=a=b"]
"#,
            &[],
        );
        let d: HashMap<_, _> = data(&g).into_iter().collect();
        assert_eq!(d["k"], "\"");
        assert_eq!(d["q"], "");
        assert_eq!(d["r"], "a\nb");
        assert_eq!(d["s"], " \"x\" ");
        assert_eq!(d["m"], "\"x'");
        assert_eq!(d["e"], "");
        assert_eq!(d["a b"], "c");
        assert_eq!(d["eq"], "a=b");
    }

    #[test]
    fn options_merge_as_kustomize() {
        let g = only(
            "generatorOptions:
  labels: {a: global, b: global}
  annotations: {x: global}
  disableNameSuffixHash: true
  immutable: true
configMapGenerator:
- name: cm
  literals: [k=v]
  options:
    labels: {a: local}
    annotations: {z: local}
    disableNameSuffixHash: false
    immutable: false
",
            &[],
        );
        assert!(!g.hash);
        assert_eq!(g.object.str_at(&["immutable"]), Some("true"));
        assert!(matches!(
            g.object.get("immutable").unwrap().typed(),
            Some(Typed::Bool(true))
        ));
        assert_eq!(g.object.str_at(&["metadata", "labels", "a"]), Some("local"));
        assert_eq!(
            g.object.str_at(&["metadata", "labels", "b"]),
            Some("global")
        );
        assert_eq!(
            g.object.str_at(&["metadata", "annotations", "x"]),
            Some("global")
        );
        assert_eq!(
            g.object.str_at(&["metadata", "annotations", "z"]),
            Some("local")
        );
        let keys: Vec<_> = g
            .object
            .entries()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            ["apiVersion", "data", "immutable", "kind", "metadata"]
        );
        // Null options are none.
        let g = only(
            "generatorOptions:\nconfigMapGenerator:\n- name: cm\n  literals: [k=v]\n  options:\n",
            &[],
        );
        assert!(g.hash);
        assert!(g.object.get("immutable").is_none());
    }

    #[test]
    fn origins_point_at_what_wrote_each_value() {
        let text = "generatorOptions:
  labels: {team: a}
configMapGenerator:
- name: cm
  namespace: ns
  literals:
  - lit=1
  envs: [e.env]
  files: [key=f.txt]
  options:
    immutable: true
";
        let env = "# c\nA=1\n  B=two\r\n";
        let file = "whole\nfile\n";
        let g = only(text, &[("e.env", env), ("f.txt", file)]);
        let at = |n: &Node| (n.origin.file, n.origin.span.start, n.origin.span.end);
        let offset = |s: &str| text.find(s).unwrap();

        // A literal: its item in the kustomization (key and value).
        let (k, v) = g
            .object
            .get("data")
            .unwrap()
            .entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some("lit"))
            .unwrap();
        let lit = offset("lit=1");
        assert_eq!(at(v), (0, lit, lit + 5));
        assert_eq!(at(k), (0, lit, lit + 5));
        // An env-file value: its line (file 1), without the line break.
        let a = g.object.path(&["data", "A"]).unwrap();
        assert_eq!(at(a), (1, 4, 7));
        let b = g.object.path(&["data", "B"]).unwrap();
        assert_eq!(at(b), (1, 8, 15));
        assert_eq!(&env[8..15], "  B=two");
        // A whole file: that file (file 2), all of it; its key: the `files` item.
        let whole = g.object.path(&["data", "key"]).unwrap();
        assert_eq!(at(whole), (2, 0, file.len()));
        let (key, _) = g
            .object
            .get("data")
            .unwrap()
            .entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some("key"))
            .unwrap();
        let item = offset("key=f.txt");
        assert_eq!(at(key), (0, item, item + 9));
        // The structure: the `name` node.
        let name = offset("cm\n");
        let name_at = (0, name, name + 2);
        assert_eq!(at(g.object.get("kind").unwrap()), name_at);
        assert_eq!(at(g.object.get("apiVersion").unwrap()), name_at);
        assert_eq!(at(g.object.path(&["metadata", "name"]).unwrap()), name_at);
        assert_eq!(at(g.object.get("metadata").unwrap()), name_at);
        // What the kustomization says elsewhere: where it says it.
        let ns = offset("ns\n");
        assert_eq!(
            at(g.object.path(&["metadata", "namespace"]).unwrap()),
            (0, ns, ns + 2)
        );
        let team = offset("a}");
        assert_eq!(
            at(g.object.path(&["metadata", "labels", "team"]).unwrap()),
            (0, team, team + 1)
        );
        let imm = offset("true\n");
        assert_eq!(at(g.object.get("immutable").unwrap()), (0, imm, imm + 4));
    }

    #[test]
    fn kustomize_errors() {
        let dup = error(
            "configMapGenerator:\n- name: cm\n  literals: [a=1, a=2]\n",
            &[],
        );
        assert_eq!(dup, "configmap cm illegally repeats the key `a`");
        // Across sources: an env key and a file's base name.
        let dup = error(
            "secretGenerator:\n- name: s\n  envs: [e.env]\n  files: [d/f.txt]\n",
            &[("e.env", "f.txt=1\n"), ("d/f.txt", "x")],
        );
        assert_eq!(dup, "configmap s illegally repeats the key `f.txt`");

        let missing = error(
            "configMapGenerator:\n- name: cm\n  files: [nope.txt, f.txt]\n",
            &[("f.txt", "x")],
        );
        assert_eq!(
            missing,
            "loading KV pairs: file sources: [nope.txt f.txt]: k/nope.txt: no such file"
        );
        let missing = error("configMapGenerator:\n- name: cm\n  envs: [nope.env]\n", &[]);
        assert!(
            missing.starts_with("loading KV pairs: env source files: [nope.env]: "),
            "{missing}"
        );

        for outside in ["../f.txt", "a/../../f.txt", "/etc/passwd", "k=../k2/f.txt"] {
            let e = error(
                &format!("configMapGenerator:\n- name: cm\n  files: [\"{outside}\"]\n"),
                &[],
            );
            assert!(
                e.starts_with(&format!(
                    "loading KV pairs: file sources: [{outside}]: security; file '"
                )) && e.contains("' is not in or below '"),
                "{e}"
            );
        }
        let e = error("configMapGenerator:\n- name: cm\n  envs: [../x.env]\n", &[]);
        assert!(e.contains("security; file '"), "{e}");
        // Climbing out and back in is inside.
        let g = only(
            "configMapGenerator:\n- name: cm\n  files: [sub/../f.txt, ./g.txt, x=../k/g.txt]\n",
            &[("f.txt", "1"), ("g.txt", "2")],
        );
        assert_eq!(data(&g).len(), 3);

        assert_eq!(
            error("configMapGenerator:\n- literals: [a=1]\n", &[]),
            "a configmap must have a name"
        );
        assert_eq!(
            error("secretGenerator:\n- name: ''\n", &[]),
            "a configmap must have a name"
        );
        assert_eq!(
            error("configMapGenerator:\n- name: c\n  literals: [abc]\n", &[]),
            "loading KV pairs: literal sources [abc]: invalid literal source abc, expected key=value"
        );
        assert_eq!(
            error(
                "configMapGenerator:\n- name: c\n  literals: [a=1, \"=abc\"]\n",
                &[]
            ),
            "loading KV pairs: literal sources [a=1 =abc]: invalid literal source =abc, expected key=value"
        );
        assert_eq!(
            error(
                "configMapGenerator:\n- name: c\n  files: [\"=s/f.txt\"]\n",
                &[]
            ),
            "loading KV pairs: file sources: [=s/f.txt]: missing key name for file path \"s/f.txt\" in source \"=s/f.txt\""
        );
        assert_eq!(
            error("configMapGenerator:\n- name: c\n  files: [\"k=\"]\n", &[]),
            "loading KV pairs: file sources: [k=]: missing file path for key name \"k\" in source \"k=\""
        );
        assert_eq!(
            error(
                "configMapGenerator:\n- name: c\n  files: [\"k=a=b\"]\n",
                &[]
            ),
            "loading KV pairs: file sources: [k=a=b]: source \"k=a=b\" key name or file path contains '='"
        );
    }

    #[test]
    fn kustomization_type_errors() {
        let cases = [
            (
                "configMapGenerator:\n- name: 123\n",
                "cannot unmarshal number into Go struct field ConfigMapArgs.configMapGenerator.name of type string",
            ),
            (
                "secretGenerator:\n- name: s\n  literals: a=b\n",
                "cannot unmarshal string into Go struct field SecretArgs.secretGenerator.literals of type []string",
            ),
            (
                "configMapGenerator:\n- name: s\n  env: [x]\n",
                "cannot unmarshal array into Go struct field ConfigMapArgs.configMapGenerator.env of type string",
            ),
            (
                "configMapGenerator:\n- name: s\n  options:\n    labels: [x]\n",
                "cannot unmarshal array into Go struct field GeneratorOptions.configMapGenerator.options.labels of type map[string]string",
            ),
            (
                "configMapGenerator:\n- abc\n",
                "cannot unmarshal string into Go struct field Kustomization.configMapGenerator of type types.ConfigMapArgs",
            ),
            (
                "configMapGenerator:\n- name: s\n  options:\n    immutable: 1\n",
                "cannot unmarshal number into Go struct field GeneratorOptions.configMapGenerator.options.immutable of type bool",
            ),
            (
                "configMapGenerator:\n- name: s\n  options:\n    disableNameSuffixHash: \"true\"\n",
                "cannot unmarshal string into Go struct field GeneratorOptions.configMapGenerator.options.disableNameSuffixHash of type bool",
            ),
            (
                "generatorOptions:\n  labels: {n: 1}\nconfigMapGenerator:\n- name: s\n",
                "cannot unmarshal number into Go struct field GeneratorOptions.generatorOptions.labels of type string",
            ),
            (
                "secretGenerator:\n- name: s\n  type: 5\n",
                "cannot unmarshal number into Go struct field SecretArgs.secretGenerator.type of type string",
            ),
            (
                "configMapGenerator:\n- name: s\n  literals: [1]\n",
                "cannot unmarshal number into Go struct field ConfigMapArgs.configMapGenerator.literals of type string",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(
                error(text, &[]),
                format!("invalid Kustomization: json: {want}"),
                "{text}"
            );
        }
    }

    #[test]
    fn characters_kustomize_cannot_print() {
        // YAML escapes: our parser refuses these characters raw, as YAML says.
        for c in [r"\x7f", r"\x80", r"\x9f", r"\ufffe"] {
            let text = format!("configMapGenerator:\n- name: c\n  literals: [\"k=a{c}b\"]\n");
            assert_eq!(
                error(&text, &[]),
                "builtin ConfigMapGenerator marshal: yaml: control characters are not allowed"
            );
            let text = format!(
                "generatorOptions:\n  labels: {{a: \"x{c}\"}}\nsecretGenerator:\n- name: c\n"
            );
            assert_eq!(
                error(&text, &[]),
                "builtin SecretGenerator marshal: yaml: control characters are not allowed"
            );
        }
        // In a ConfigMap's value the printing fails; in a Secret's it is base64.
        let env = [("e.env", "k=a\u{7f}b\n")];
        let e = error("configMapGenerator:\n- name: c\n  envs: [e.env]\n", &env);
        assert!(e.contains("control characters are not allowed"), "{e}");
        let s = only("secretGenerator:\n- name: c\n  envs: [e.env]\n", &env);
        assert_eq!(data(&s), [("k".into(), "YX9i".into())]);
        // NEL is printable to YAML.
        let g = only(
            "configMapGenerator:\n- name: c\n  envs: [e.env]\n",
            &[("e.env", "k=a\u{85}b\n")],
        );
        assert_eq!(data(&g), [("k".into(), "a\u{85}b".into())]);
    }

    #[test]
    fn paths_and_base_names() {
        assert_eq!(go_base("a/b/c.txt"), "c.txt");
        assert_eq!(go_base("./c.txt"), "c.txt");
        assert_eq!(go_base("dir/"), "dir");
        assert_eq!(go_base(""), ".");
        assert_eq!(go_base("//"), "/");
        let ok = |dir: &str, s: &str| resolve(Path::new(dir), s).map(|p| p.display().to_string());
        assert_eq!(ok("k", "a/../b").unwrap(), "k/b");
        assert_eq!(ok("x/../k", "./b").unwrap(), "k/b");
        assert_eq!(ok("", "b").unwrap(), "b");
        assert!(ok("", "../b").is_err());
        assert_eq!(ok("../k", "../k/b").unwrap(), "../k/b");
        assert!(ok("../k", "../../b").is_err());
        assert_eq!(ok("/r/k", "/r/k/b").unwrap(), "/r/k/b");
        assert!(ok("/r/k", "/r/kk").is_err());
        assert!(ok("/", "../../b").is_ok());
        assert!(ok("k", "https://example.com/f").is_err());
    }
}
