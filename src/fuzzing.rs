//! Invariants the fuzz targets (`fuzz/`) check on any bytes; `cargo test` replays the saved
//! corpus through the same functions (tests/fuzz_corpus.rs). Each panics on a violation.

use crate::engine::{self, Input, Settings};
use crate::model::Model;
use crate::registry::builtin_rules;
use crate::report::{Report, concise, github, human, json, junit, markdown, sarif};
use crate::rule::Rule;
use crate::yaml::{self, Document, NodeRef, Span};
use std::sync::OnceLock;

fn assert_span(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} not on character boundaries"
    );
}

/// Call every accessor on a node and check what it returns.
fn visit(text: &str, node: NodeRef) {
    assert_span(text, node.span(), "node");
    let _ = (
        node.kind(),
        node.style(),
        node.scalar_type(),
        node.is_null(),
    );
    let _ = (node.as_bool(), node.as_i64(), node.is_seq());
    let resolved = node.resolve();
    assert_span(text, resolved.span(), "resolved node");
    if let Some(s) = node.as_str() {
        assert!(node.scalar_type().is_some(), "a string that is no scalar");
        let _ = s.len();
    }
    let entries: Vec<_> = node.entries().collect();
    assert_eq!(entries.len(), node.entries().len(), "entries' length");
    let backwards: Vec<_> = node.entries().rev().map(|(k, _)| k.span()).collect();
    assert_eq!(
        backwards.len(),
        entries.len(),
        "entries read backwards differ"
    );
    for (k, v) in &entries {
        assert_span(text, k.span(), "key");
        assert_span(text, v.span(), "value");
        if let Some(key) = k.as_str() {
            let (found, _) = node
                .entry(key)
                .unwrap_or_else(|| panic!("key `{key}` listed but not found"));
            assert_eq!(found.as_str(), Some(key), "entry() found another key");
            let _ = node.get(key).map(|v| v.span());
            let _ = node.path(&[key, key]);
        }
    }
    for item in node.items() {
        assert_span(text, item.span(), "item");
    }
    if !node.is_map() {
        assert!(entries.is_empty(), "a non-mapping with entries");
    }
}

fn check_document(text: &str, doc: &Document) {
    assert!(doc.start <= text.len(), "document start out of bounds");
    for id in 0..doc.nodes.len() {
        let id = u32::try_from(id).unwrap_or(u32::MAX);
        visit(text, NodeRef::new(doc, id));
    }
    if let Some(root) = NodeRef::root(doc) {
        visit(text, root);
    }
    for d in &doc.duplicates {
        assert_span(text, NodeRef::new(doc, d.first).span(), "duplicate");
        assert_span(text, NodeRef::new(doc, d.second).span(), "duplicate");
    }
}

/// The YAML layer on any bytes: never a panic; every span and error offset inside the
/// text and on a character boundary; every accessor callable on every node.
pub fn check_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let stream = yaml::parse(&text);
    for e in &stream.errors {
        assert!(e.offset <= text.len(), "error offset out of bounds: {e:?}");
        assert!(
            text.is_char_boundary(e.offset),
            "error offset inside a character"
        );
        assert!(
            e.offset + e.len <= text.len(),
            "error span out of bounds: {e:?}"
        );
    }
    for doc in &stream.documents {
        check_document(&text, doc);
    }
}

/// The example pack's rules, so that the generic checks and CEL (object conversion,
/// evaluation, `objects`) are fuzzed with the built-in ones.
const PACK: &[(&str, &str)] = &[
    (
        "examples/policies/approved-registry.yaml",
        include_str!("../examples/policies/approved-registry.yaml"),
    ),
    (
        "examples/policies/owner-label.yaml",
        include_str!("../examples/policies/owner-label.yaml"),
    ),
    (
        "examples/policies/replicated-needs-pdb.yaml",
        include_str!("../examples/policies/replicated-needs-pdb.yaml"),
    ),
];

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = builtin_rules().unwrap_or_default();
        for (origin, text) in PACK {
            if let Ok(r) = crate::rule::load_rule(origin, text, crate::checks::factory) {
                rules.push(r);
            }
        }
        rules
    })
}

fn model() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let mut m = Model::builtin().ok()?;
            m.extend(
                include_str!("../examples/policies/responsibilities.yaml"),
                "examples/policies/responsibilities.yaml",
            )
            .ok()?;
            Some(m)
        })
        .as_ref()
}

/// Names the pieces of a pipeline input take: the kustomize and JSON paths get fuzzed too.
const NAMES: &[&str] = &[
    "a.yaml",
    "kustomization.yaml",
    "b.json",
    "patch.yaml",
    "base/deploy.yml",
];

/// The whole pipeline on a few files cut from one input at NUL-NUL: every built-in rule
/// (disabled ones too) and the example pack's (generic checks, CEL), every printer; no rule may panic and every finding must point
/// inside its file.
pub fn check_pipeline(data: &[u8]) {
    let inputs = split_files(data);
    let rules: Vec<&Rule> = rules().iter().collect();
    assert!(!rules.is_empty(), "no built-in rules");
    assert!(
        rules.iter().any(|r| r.check_name == "cel"),
        "the example pack's CEL rule did not load"
    );
    let settings = Settings::default();
    let out = engine::run(&inputs, &rules, &settings);
    // Every file read again a few documents at a time (as a large file is), and linted an
    // object at a time with every finding set down on disk: the same report.
    for (other, what) in [
        (
            Settings {
                windows: (0, 64),
                ..Settings::default()
            },
            "read in windows of 64 bytes",
        ),
        (
            Settings {
                parts: (1, 0),
                ..Settings::default()
            },
            "linted an object at a time",
        ),
    ] {
        let again = engine::run(&inputs, &rules, &other);
        assert_eq!(
            format!("{:?}\n{:?}", again.findings, again.skipped),
            format!("{:?}\n{:?}", out.findings, out.skipped),
            "{what}, the findings differ"
        );
    }
    for f in &out.findings {
        assert!(
            !f.message.contains("internal error"),
            "rule {} panicked: {}",
            f.rule,
            f.message
        );
        let file = out
            .files
            .get(f.file_index)
            .unwrap_or_else(|| panic!("finding in no file: {f:?}"));
        assert_span(&file.text, f.span, &f.rule);
        for r in &f.related {
            assert_span(&file.text, r.span, &f.rule);
        }
        assert!(f.line >= 1 && f.column >= 1, "0-based position: {f:?}");
        assert!(
            (f.line, f.column) <= (f.end_line, f.end_column),
            "end before start: {f:?}"
        );
    }
    let Some(model) = model() else {
        panic!("the built-in model does not load");
    };
    let report = Report {
        findings: (&out.findings).into(),
        files: &out.files,
        summary: out.summary,
        model,
        skipped: &out.skipped,
        errors: &out.failures,
        rules: &rules,
    };
    let style = human::Style {
        color: false,
        width: 100,
    };
    let opts = human::Options {
        quiet: false,
        show_skipped: true,
        show_suppressed: true,
        statistics: true,
        excerpts_from: usize::MAX,
    };
    let text = human::render(&report, &style, opts);
    assert!(!text.is_empty(), "empty human report");
    let active = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    assert_eq!(
        github::render(&report).lines().count(),
        active,
        "github lines"
    );
    assert_eq!(
        concise::render(&report).lines().count(),
        active,
        "concise lines"
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif::render(&report))
        .unwrap_or_else(|e| panic!("SARIF is not JSON: {e}"));
    assert_eq!(
        sarif
            .pointer("/runs/0/results")
            .and_then(|r| r.as_array())
            .map(Vec::len),
        Some(out.findings.len()),
        "SARIF results"
    );
    assert!(junit::render(&report).ends_with("</testsuites>\n"), "JUnit");
    assert!(
        markdown::render(&report).starts_with("## onus: "),
        "Markdown"
    );
    let j = json::render(&report);
    assert!(
        j.starts_with('{') && j.trim_end().ends_with('}'),
        "JSON report is not an object"
    );
}

/// Up to five files, cut at each pair of NUL bytes.
fn split_files(data: &[u8]) -> Vec<Input> {
    let mut files = Vec::new();
    let mut rest = data;
    for name in NAMES {
        let cut = rest.windows(2).position(|w| w == [0, 0]);
        let (piece, next) = match cut {
            Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i + 2..)),
            None => (rest, None),
        };
        files.push(Input::Text {
            name: (*name).to_string(),
            bytes: piece.to_vec(),
        });
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    files
}

/// Objects a fuzzed rule runs on: workloads of several kinds, a budget, a Service, a
/// ConfigMap with odd scalars, aliases and a merge.
const RULE_SAMPLE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop, labels: {app: web, team: a}}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      initContainers: [{name: init, image: busybox}]\n      containers:\n        - name: web\n          image: registry.example.com/web:1.0\n          resources: {limits: {memory: 1Gi, cpu: 500m}}\n          securityContext: {privileged: true}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: shop}\nspec: {minAvailable: 1, selector: {matchLabels: {app: web}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd}\nbase: &b {x: yes, y: 0o17, z: .inf, w: ~}\ndata:\n  <<: *b\n  list: [*b, *b]\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 1 * * *'\n  jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: 'x:latest'}]}}}}\n";

/// A rule file from any bytes: the loader refuses it with a located error or loads it, and a
/// rule that loads (a generic check, a CEL expression) runs on a set of objects without
/// panicking, every finding inside its file.
pub fn check_rule(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rule = match crate::rule::load_rule("fuzz.yaml", text, crate::checks::factory) {
        Ok(r) => r,
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "unlocated load error: {e}");
            return;
        }
    };
    let inputs = [Input::Text {
        name: "sample.yaml".into(),
        bytes: RULE_SAMPLE.as_bytes().to_vec(),
    }];
    let settings = Settings::default();
    let out = engine::run(&inputs, &[&rule], &settings);
    // A panic becomes a finding saying so (a rule's own message may say anything).
    let crashed = format!("rule {} failed on this input (internal error", rule.id);
    for f in &out.findings {
        assert!(
            !f.message.starts_with(&crashed) || text.contains("failed on this input"),
            "the rule panicked: {}",
            f.message
        );
        assert_span(RULE_SAMPLE, f.span, &f.rule);
    }
}

/// The fast scanner on any bytes: it declines, or builds exactly granit-parser's tree
/// (`yaml::compare`: kinds, spans, styles, values, children, duplicates, merges, errors).
pub fn check_scanner(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let slow = yaml::parse_granit(&text);
    if let Some(fast) = yaml::parse_scanner(&text) {
        if let Err(e) = yaml::compare(&fast, &slow) {
            panic!("the scanner and granit-parser differ: {e}");
        }
        for doc in &fast.documents {
            check_document(&text, doc);
        }
    }
    // What onus reads with: the scanner, else a document at a time, else granit whole; and
    // a large stream in pieces (here pieces of 64 bytes).
    if let Err(e) = yaml::compare(&yaml::parse(&text), &slow) {
        panic!("the parse and granit-parser differ: {e}");
    }
    if let Some(pieces) = yaml::parse_in_pieces(&text, 64)
        && let Err(e) = yaml::compare(&pieces, &slow)
    {
        panic!("the parse in pieces and granit-parser differ: {e}");
    }
    // A large file read a window at a time (here windows of 64 bytes).
    if let Some(windows) = yaml::parse_in_windows(&text, 64)
        && let Err(e) = yaml::compare(&windows, &slow)
    {
        panic!("the parse in windows and granit-parser differ: {e}");
    }
}

/// A rendered tree `render::emit` writes back as itself, as its tests require: no NaN (equal
/// to nothing) and map keys that are distinct scalars, untagged or `!!str` (a tagged key is
/// written from its value but maps compare keys by text), neither null (keyless) nor `<<` (a
/// merge when read back). Collection keys are written, but `Node::same` cannot compare them.
fn round_trips(tree: &crate::render::tree::Node) -> bool {
    use crate::render::tree::{Typed, Value};
    use crate::yaml::Tag;
    let mut stack = vec![tree];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Scalar(_) => {
                if matches!(n.typed(), Some(Typed::Float(f)) if f.is_nan()) {
                    return false;
                }
            }
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                let mut keys = std::collections::HashSet::new();
                for (k, v) in entries {
                    let Value::Scalar(s) = &k.value else {
                        return false;
                    };
                    if !matches!(s.tag, Tag::None | Tag::Str) {
                        return false;
                    }
                    match k.as_str() {
                        Some(key) if key != "<<" && keys.insert(key) => {}
                        _ => return false,
                    }
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    true
}

/// How many nodes a tree has (keys included).
fn tree_size(tree: &crate::render::tree::Node) -> usize {
    use crate::render::tree::Value;
    let mut count = 0;
    let mut stack = vec![tree];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Scalar(_) => {}
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    count
}

/// The kustomize renderer on any bytes. The first three YAML documents become trees; the
/// second is applied to the first as a strategic merge patch (as the first's kind, else a
/// Deployment), then the third (else the second) as JSON 6902 operations: errors are fine,
/// and leave the target as it was. The result is emitted and read back as the same tree
/// (when it is one the emitter can write: `round_trips`) and hashed as a generated object
/// would be. Last, the input is built as a kustomization (`check_build`). Nothing may panic.
pub fn check_render(data: &[u8]) {
    use crate::render::{emit, generate, patch, tree};
    let text = String::from_utf8_lossy(data);
    let stream = yaml::parse(&text);
    let mut budget = 4096 + 4 * text.len();
    let mut docs = stream
        .documents
        .iter()
        .take(3)
        .map(|d| NodeRef::root(d).and_then(|root| tree::from_yaml(root, 0, &mut budget).ok()));
    let (first, second, third) = (docs.next().flatten(), docs.next().flatten(), docs.next());
    let third = third.flatten();
    if let Some(mut result) = first {
        if let Some(p) = &second {
            let api = result
                .str_at(&["apiVersion"])
                .unwrap_or("apps/v1")
                .to_string();
            let kind = result.str_at(&["kind"]).unwrap_or("Deployment").to_string();
            let before = format!("{result:?}");
            if patch::strategic_merge(&mut result, p, &api, &kind).is_err() {
                assert_eq!(
                    before,
                    format!("{result:?}"),
                    "a failed merge changed its target"
                );
            }
        }
        if let Some(ops) = third.as_ref().or(second.as_ref()) {
            let before = format!("{result:?}");
            if patch::json6902(&mut result, ops).is_err() {
                assert_eq!(
                    before,
                    format!("{result:?}"),
                    "a failed JSON patch changed its target"
                );
            }
        }
        let _ = generate::name_hash(&result);
        if round_trips(&result) {
            let out = emit::emit(std::slice::from_ref(&result));
            let back = yaml::parse(&out);
            assert!(
                back.errors.is_empty(),
                "emitted YAML does not parse: {:?}\n{out}",
                back.errors
            );
            assert_eq!(
                back.documents.len(),
                1,
                "emitted one tree, read back\n{out}"
            );
            let mut budget = 2 * tree_size(&result) + 16;
            let again = back
                .documents
                .first()
                .and_then(NodeRef::root)
                .map(|root| tree::from_yaml(root, 0, &mut budget));
            match again {
                Some(Ok(again)) => assert!(
                    result.same(&again),
                    "emitted tree read back differs\n{out}\nfrom {result:?}\nto {again:?}"
                ),
                Some(Err(e)) => panic!("emitted tree does not convert back: {e:?}\n{out}"),
                None => panic!("emitted tree read back has no root\n{out}"),
            }
        }
    }
    check_build(data, &text, &stream.documents);
}

/// `render::build` on a directory holding `data` as its kustomization, the text of its first
/// document as `a.yaml` and the rest of it as `b.yaml` (the build reads the first document
/// only: `resources: [b.yaml]` gives it objects): it returns, whatever it returns.
fn check_build(data: &[u8], text: &str, documents: &[Document]) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "onus-fuzz-render-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let start = documents.first().map_or(0, |d| d.start);
    let end = documents.get(1).map_or(text.len(), |d| d.start);
    let a = text.get(start..end).unwrap_or_default();
    let b = text.get(end..).unwrap_or_default();
    let written = std::fs::create_dir_all(&dir).is_ok()
        && std::fs::write(dir.join("kustomization.yaml"), data).is_ok()
        && std::fs::write(dir.join("a.yaml"), a).is_ok()
        && std::fs::write(dir.join("b.yaml"), b).is_ok();
    if written {
        let _ = crate::render::build::build(&dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
