//! Read and parse files in parallel, build the index of the set, run every rule on
//! every object in parallel, and sort: the output is the same whatever the thread count.

use crate::finding::{Finding, Related, Severity};
use crate::index::Index;
use crate::kustomize;
use crate::object::{Resource, is_config_file, is_list};
use crate::rule::{Cx, FileFacts, Hit, Rule};
use crate::source::SourceFile;
use crate::suppress::{self, Suppression};
use crate::yaml::{self, NodeRef, Span, SyntaxError};
use rayon::prelude::*;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

/// Files larger than this are reported, not parsed: memory stays bounded.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Something to lint.
pub enum Input {
    /// A file, with the name the report uses for it.
    Path { name: String, path: PathBuf },
    /// Text already in memory (standard input).
    Text { name: String, bytes: Vec<u8> },
}

impl Input {
    fn name(&self) -> &str {
        match self {
            Input::Path { name, .. } | Input::Text { name, .. } => name,
        }
    }
}

struct Loaded {
    source: Arc<SourceFile>,
    stream: yaml::Stream,
    load_errors: Vec<SyntaxError>,
    /// `# onus: ignore` comments of the file.
    suppressions: Vec<Suppression>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub resources: usize,
    pub skipped_documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub struct Outcome {
    pub files: Vec<Arc<SourceFile>>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Failures of the run itself (unreadable paths): exit code 2.
    pub failures: Vec<String>,
}

pub struct Settings {
    pub default_namespace: String,
}

/// Read stdin with the same size bound as files.
pub fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn load(input: &Input) -> Result<Loaded, String> {
    let name = input.name().to_string();
    let bytes = match input {
        Input::Path { path, .. } => {
            let meta = std::fs::metadata(path).map_err(|e| format!("{name}: {e}"))?;
            if meta.len() > MAX_FILE_BYTES {
                return Ok(too_large(name, meta.len()));
            }
            std::fs::read(path).map_err(|e| format!("{name}: {e}"))?
        }
        Input::Text { bytes, .. } => {
            if bytes.len() as u64 > MAX_FILE_BYTES {
                return Ok(too_large(name, bytes.len() as u64));
            }
            bytes.clone()
        }
    };
    // Windows tools write UTF-16 with a byte-order mark; kubectl decodes it, and so do we
    // (positions are then those of the decoded text, which is what the report shows).
    let utf16 = utf16_units(&bytes).map(|units| {
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    });
    // Invalid UTF-8 spoils only the documents that hold it: decode lossily, parse, then
    // drop those documents and report each, as kubectl splits documents before decoding.
    let (text, bad) = match utf16 {
        Some(t) => (t, Vec::new()),
        None => match String::from_utf8(bytes) {
            Ok(t) => (t, Vec::new()),
            Err(e) => lossy(e.as_bytes()),
        },
    };
    let source = Arc::new(SourceFile::new(name, text));
    let mut stream = match catch_unwind(AssertUnwindSafe(|| parse(&source))) {
        Ok(s) => s,
        Err(p) => yaml::Stream {
            documents: Vec::new(),
            errors: vec![SyntaxError::new(
                0,
                format!("internal error while parsing: {}", panic_message(&*p)),
            )],
        },
    };
    let mut load_errors = Vec::new();
    if source.name.to_ascii_lowercase().ends_with(".json")
        && stream.errors.is_empty()
        && let Some(e) = json_error(&source)
    {
        // YAML accepts `{"a": 1,}`; kubectl's JSON decoder does not.
        load_errors.push(e);
    }
    if !bad.is_empty() {
        let starts: Vec<usize> = stream.documents.iter().map(|d| d.start).collect();
        let doc_of = |p: usize| starts.iter().rposition(|s| *s <= p);
        let mut spoiled: Vec<Option<usize>> = Vec::new();
        for p in bad {
            let d = doc_of(p);
            if !spoiled.contains(&d) {
                spoiled.push(d);
                load_errors.push(SyntaxError::new(
                    p,
                    "this document is not valid UTF-8, which Kubernetes manifests must be",
                ));
            }
        }
        let mut i = 0;
        stream.documents.retain(|_| {
            let keep = !spoiled.contains(&Some(i));
            i += 1;
            keep
        });
    }
    let suppressions = suppress::comments(&source);
    Ok(Loaded {
        source,
        stream,
        load_errors,
        suppressions,
    })
}

/// A `.json` file is held to JSON's grammar (a stream of values, as kubectl reads it).
fn json_error(source: &SourceFile) -> Option<SyntaxError> {
    // A byte-order mark is not JSON, but kubectl strips it before decoding.
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let bom = source.text.len() - text.len();
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let err = values.find_map(Result::err)?;
    let line_start =
        source.offset_of_line(err.line()).unwrap_or(0) + if err.line() == 1 { bom } else { 0 };
    let mut offset = (line_start + err.column().saturating_sub(1)).min(source.text.len());
    while !source.text.is_char_boundary(offset) {
        offset -= 1;
    }
    let message = err.to_string();
    let mut message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    let before = source.text.get(..offset).unwrap_or("").trim_end();
    if before.ends_with(',') {
        message = "a trailing comma".into();
    }
    Some(SyntaxError::new(
        offset,
        format!("this file is not valid JSON: {message}"),
    ))
}

/// Parse a file. A `.json` file that YAML rejects may be a JSON stream (objects one after
/// another, as `jq -c` writes and kubectl reads): then each value is parsed on its own.
fn parse(source: &Arc<SourceFile>) -> yaml::Stream {
    let stream = source.parse();
    if stream.errors.is_empty() || !source.name.to_ascii_lowercase().ends_with(".json") {
        return stream;
    }
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let bom = source.text.len() - text.len();
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(v) = values.next() {
        if v.is_err() {
            return stream;
        }
        let to = values.byte_offset();
        ranges.push((bom + from, bom + to));
        from = to;
    }
    if ranges.len() < 2 {
        return stream;
    }
    let mut joined = yaml::Stream::default();
    for (a, b) in ranges {
        let part = yaml::parse_range(&source.text, a, b);
        joined.documents.extend(part.documents);
        joined.errors.extend(part.errors);
    }
    joined
}

/// UTF-16 code units of a text that starts with a UTF-16 byte-order mark.
fn utf16_units(bytes: &[u8]) -> Option<Vec<u16>> {
    let little = match bytes.get(..2)? {
        [0xFF, 0xFE] => true,
        [0xFE, 0xFF] => false,
        _ => return None,
    };
    let body = bytes.get(2..)?;
    Some(
        body.chunks(2)
            .map(|c| {
                let (a, b) = (
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                );
                if little {
                    u16::from_le_bytes([a, b])
                } else {
                    u16::from_be_bytes([a, b])
                }
            })
            .collect(),
    )
}

/// Lossy UTF-8 decoding, with the offset of each replacement character in the result.
fn lossy(bytes: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(bytes.len());
    let mut bad = Vec::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            bad.push(text.len());
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    (text, bad)
}

fn unreadable(name: String, message: String) -> Loaded {
    Loaded {
        source: Arc::new(SourceFile::new(name, "")),
        stream: yaml::Stream::default(),
        load_errors: vec![SyntaxError::new(0, message)],
        suppressions: Vec::new(),
    }
}

fn too_large(name: String, len: u64) -> Loaded {
    unreadable(
        name,
        format!(
            "this file is {} MiB, more than the {} MiB limit",
            len / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// Objects of one document: the object itself, or each item of a `kind: *List`.
fn objects<'a>(
    file: usize,
    root: NodeRef<'a>,
    default_ns: &'a str,
    forced_ns: Option<&'a str>,
    out: &mut Vec<Resource<'a>>,
) -> usize {
    let mut skipped = 0;
    if is_list(root) {
        // `kind: DeploymentList` lends apps/v1 Deployment to items that name neither.
        let list_kind = root.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        let typed = match (
            root.get("apiVersion").and_then(|v| v.as_str()),
            list_kind.strip_suffix("List"),
        ) {
            (Some(v), Some(k)) if !k.is_empty() => Some((v, k)),
            _ => None,
        };
        for item in root.get("items").iter().flat_map(|i| i.items()) {
            match Resource::from_node(file, item, default_ns, forced_ns, true, typed) {
                Some(r) if !is_config_file(r.api_version, r.kind) => out.push(r),
                _ => skipped += 1,
            }
        }
        return skipped;
    }
    match Resource::from_node(file, root, default_ns, forced_ns, false, None) {
        Some(r) if !is_config_file(r.api_version, r.kind) => out.push(r),
        _ => skipped += 1,
    }
    skipped
}

/// Lint a set of inputs with the given rules.
pub fn run(inputs: &[Input], rules: &[&Rule], settings: &Settings) -> Outcome {
    let loaded: Vec<Result<Loaded, String>> = inputs.par_iter().map(load).collect();
    let mut failures = Vec::new();
    let mut files: Vec<Loaded> = Vec::new();
    for l in loaded {
        match l {
            Ok(l) => files.push(l),
            Err(e) => failures.push(e),
        }
    }
    let sources: Vec<Arc<SourceFile>> = files.iter().map(|f| f.source.clone()).collect();

    let listing: Vec<(usize, &str, &[yaml::Document])> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (i, f.source.name.as_str(), f.stream.documents.as_slice()))
        .collect();
    let kust = kustomize::analyse(&listing);
    let mut resources = Vec::new();
    let mut skipped = 0;
    for (i, f) in files.iter().enumerate() {
        let patch = kust.patches.contains(&i);
        let ns = kust.namespaces.get(&i).copied();
        for doc in &f.stream.documents {
            let Some(root) = NodeRef::root(doc) else {
                continue;
            };
            if root.is_map() && !patch {
                skipped += objects(i, root, &settings.default_namespace, ns, &mut resources);
            } else if root.is_seq() && !patch {
                // A bare list of objects (invalid-manifest reports it): lint what it holds.
                for item in root.items() {
                    match Resource::from_node(i, item, &settings.default_namespace, ns, true, None)
                    {
                        Some(r) if !is_config_file(r.api_version, r.kind) => resources.push(r),
                        _ => skipped += 1,
                    }
                }
            } else if !root.is_null() {
                skipped += 1;
            }
        }
    }
    let index = Index::build(resources);
    let cx = Cx {
        index: &index,
        files: &sources,
    };

    // File-level rules.
    let mut findings: Vec<Finding> = files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(fi, f)| {
            let facts = FileFacts {
                source: &f.source,
                stream: &f.stream,
                load_errors: &f.load_errors,
                suppressions: &f.suppressions,
            };
            let mut out = Vec::new();
            for rule in rules {
                let mut hits = Vec::new();
                let res = catch_unwind(AssertUnwindSafe(|| {
                    rule.check.check_file(&facts, &mut hits)
                }));
                if let Err(p) = res {
                    hits = vec![crash_hit(rule, &*p, Span::default())];
                }
                out.extend(
                    hits.into_iter()
                        .map(|h| finding(rule, h, fi, &f.source, None)),
                );
            }
            out
        })
        .collect();

    // Object rules: one task per object; a panic becomes a finding on that object.
    let per_object: Vec<Finding> = index
        .resources
        .par_iter()
        .flat_map_iter(|res| {
            let mut out = Vec::new();
            let Some(source) = sources.get(res.file) else {
                return out;
            };
            // Rules the object's `onus.dev/ignore` annotation names do not report on it.
            let ignored = suppress::annotations(res);
            for rule in rules {
                if ignored.iter().any(|s| s.covers(&rule.id)) {
                    continue;
                }
                let mut hits = Vec::new();
                let r = catch_unwind(AssertUnwindSafe(|| rule.check.check(&cx, res, &mut hits)));
                if let Err(p) = r {
                    hits = vec![crash_hit(rule, &*p, res.name_span())];
                }
                out.extend(
                    hits.into_iter()
                        .map(|h| finding(rule, h, res.file, source, Some(res))),
                );
            }
            out
        })
        .collect();
    findings.extend(per_object);
    // `# onus: ignore` comments silence findings that start on the lines they speak of.
    let reaches: Vec<usize> = files
        .iter()
        .map(|l| suppress::reach(&l.suppressions))
        .collect();
    findings.retain(|f| {
        files.get(f.file_index).is_none_or(|l| {
            let reach = reaches.get(f.file_index).copied().unwrap_or(0);
            !suppress::covering(&l.suppressions, reach, f.line).any(|s| s.covers(&f.rule))
        })
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let mut summary = Summary {
        files: files.len(),
        resources: index.resources.len(),
        skipped_documents: skipped,
        ..Summary::default()
    };
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
    }
    Outcome {
        files: sources,
        findings,
        summary,
        failures,
    }
}

fn crash_hit(rule: &Rule, payload: &(dyn std::any::Any + Send), span: Span) -> Hit {
    Hit::new(
        span,
        format!(
            "rule {} failed on this input (internal error: {}); please report it",
            rule.id,
            panic_message(payload)
        ),
    )
}

fn finding(
    rule: &Rule,
    hit: Hit,
    file_index: usize,
    source: &SourceFile,
    res: Option<&Resource>,
) -> Finding {
    let len = source.text.len();
    let span = Span::new(hit.span.start.min(len), hit.span.end.min(len));
    let (line, column) = source.position(span.start);
    let (end_line, end_column) = source.position(span.end);
    Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        message: hit.message,
        file_index,
        file: source.name.clone(),
        span,
        line,
        column,
        end_line,
        end_column,
        label: hit.label,
        related: hit
            .related
            .into_iter()
            .map(|(span, label)| Related { span, label })
            .collect(),
        resource: res.map(|r| r.reference()),
        responsibility: rule.responsibility.clone(),
        help: hit
            .help
            .unwrap_or_else(|| first_paragraph(&rule.remediation)),
    }
}

/// The first paragraph of a rule's remediation, on one line.
pub fn first_paragraph(text: &str) -> String {
    text.split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
