//! Rule metadata (rules/<id>.yaml), the check trait, and the loader every rule file goes
//! through, built-in or (later) the user's own.

use crate::finding::Severity;
use crate::index::Index;
use crate::object::Resource;
use crate::source::SourceFile;
use crate::yaml::{self, Document, NodeRef, Span};
use std::fmt;

/// What a check reports; the engine adds rule id, severity, responsibility and location.
#[derive(Debug, Clone)]
pub struct Hit {
    pub span: Span,
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
    pub related: Vec<(Span, String)>,
    /// What the finding is about when that is not the object it is reported on (a whole
    /// namespace, say): its fingerprint is then this, not the file, object and path, so that
    /// it keeps its identity when another object becomes the one it is reported on.
    pub identity: Option<String>,
    /// A lower severity than the rule's for this finding (a deprecation beside removals).
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Hit {
            span,
            message: message.into(),
            label: None,
            help: None,
            related: Vec::new(),
            identity: None,
            severity: None,
        }
    }
    /// Report this finding at most at `severity` (the rule's, as configured, stays the cap).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }
}

/// Values computed once and read many times (per run by the index, per object by the
/// engine), by a key the computing check chooses.
#[derive(Default)]
pub struct Memo(std::sync::Mutex<std::collections::HashMap<String, MemoValue>>);

type MemoValue = std::sync::Arc<dyn std::any::Any + Send + Sync>;

impl Memo {
    /// The value under `key`, made by `make` the first time (others asking meanwhile wait).
    pub fn get_or<T: Send + Sync + 'static>(
        &self,
        key: &str,
        make: impl FnOnce() -> T,
    ) -> Option<std::sync::Arc<T>> {
        let mut m = self.0.lock().ok()?;
        let any = m
            .entry(key.to_string())
            .or_insert_with(|| std::sync::Arc::new(make()))
            .clone();
        drop(m);
        any.downcast::<T>().ok()
    }
}

/// What a check sees besides the resource.
pub struct Cx<'a> {
    pub index: &'a Index,
    pub files: &'a [std::sync::Arc<SourceFile>],
    /// The pods the object runs (containers, effective security context), built once.
    pub pod: Option<&'a crate::pod::PodView<'a>>,
    /// The Kubernetes release the manifests target (`--kube-version`), when given.
    pub kube_version: Option<crate::version::KubeVersion>,
    /// What the checks of this object share (the object as CEL sees it); None outside the
    /// object loop.
    pub object_memo: Option<&'a Memo>,
}

/// File-level facts for document rules.
pub struct FileFacts<'a> {
    pub source: &'a SourceFile,
    pub stream: &'a yaml::Stream,
    /// Errors found before parsing (encoding, size), with their byte offset.
    pub load_errors: &'a [yaml::SyntaxError],
    /// `# onus: ignore` comments of the file.
    pub suppressions: &'a [crate::suppress::Suppression],
}

pub trait Check: Send + Sync {
    /// Called once per Kubernetes object of the linted set.
    fn check(&self, _cx: &Cx, _res: &Resource, _out: &mut Vec<Hit>) {}
    /// Called once per file (document-level rules).
    fn check_file(&self, _file: &FileFacts, _out: &mut Vec<Hit>) {}
    /// Called once per suppression that set nothing aside or names unknown rules, after
    /// every other rule ran and every suppression was applied.
    fn check_unused(&self, _unused: &crate::suppress::Unused, _out: &mut Vec<Hit>) {}
    /// The kinds of the linted set the check reads (`objects` of a CEL rule): the engine
    /// gathers their objects for it while reading the files.
    fn reads(&self) -> &[String] {
        &[]
    }
}

/// A rule's typed parameters, read from the `params` mapping of its file, or from the
/// configuration's `params` for the rule, which wins key by key over the file's (`under`).
pub struct Params<'a> {
    pub node: Option<NodeRef<'a>>,
    pub under: Option<NodeRef<'a>>,
}

impl<'a> Params<'a> {
    pub fn new(node: Option<NodeRef<'a>>) -> Self {
        Params { node, under: None }
    }

    fn lookup(&self, key: &str) -> Option<NodeRef<'a>> {
        self.node
            .and_then(|n| n.get(key))
            .or_else(|| self.under.and_then(|n| n.get(key)))
            .filter(|v| !v.is_null())
    }

    /// The raw value of a param, if set.
    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        self.lookup(key)
    }

    /// An error about one param; the loader points at that param in the rule file.
    pub fn error(key: &str, message: impl fmt::Display) -> String {
        format!("param `{key}` {message}")
    }

    /// An error at a place inside a param's text (1-based line and column of the text, as
    /// a CEL parser gives them); the loader points at that place in the rule file.
    pub fn error_at(key: &str, line: usize, column: usize, message: &str) -> String {
        format!("param `{key}` at {line}:{column}: {message}")
    }

    /// A text param (a plain or quoted scalar).
    pub fn str(&self, key: &str) -> Result<Option<String>, String> {
        match self.lookup(key) {
            None => Ok(None),
            Some(v) if v.is_map() || v.is_seq() => Err(Self::error(key, "must be a string")),
            Some(v) => Ok(v.as_str().map(str::to_string)),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, String> {
        match self.lookup(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| Self::error(key, "must be true or false")),
        }
    }

    pub fn number(&self, key: &str) -> Result<Option<f64>, String> {
        match self.lookup(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(|t| t.trim().parse::<f64>().ok())
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| Self::error(key, "must be a number")),
        }
    }

    pub fn str_list(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        let Some(v) = self.lookup(key) else {
            return Ok(None);
        };
        if !v.is_seq() {
            return Err(format!("param `{key}` must be a list of strings"));
        }
        v.items()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("param `{key}` must be a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
    /// Reject keys the check does not know, so a typo is an error, not a silent default.
    pub fn only(&self, known: &[&str]) -> Result<(), String> {
        for n in self.node.iter().chain(&self.under) {
            Self::only_in(*n, known)?;
        }
        Ok(())
    }

    fn only_in(n: NodeRef, known: &[&str]) -> Result<(), String> {
        if !(n.is_map() || n.is_null()) {
            return Err("`params` must be a mapping".into());
        }
        for (k, _) in n.entries() {
            let k = k.as_str().unwrap_or("");
            if !known.contains(&k) {
                let near = crate::suppress::nearest(k, known)
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                return Err(Self::error(
                    k,
                    format!(
                        "is unknown ({near}known: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        Ok(())
    }
}

pub type Factory = fn(&Params) -> Result<Box<dyn Check>, String>;

/// A rule: its metadata and the check it instantiates.
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub enabled: bool,
    pub responsibility: String,
    pub summary: String,
    pub rationale: String,
    pub remediation: String,
    pub check_name: String,
    pub example_fail: Option<String>,
    pub example_pass: Option<String>,
    pub check: Box<dyn Check>,
    /// Builds `check` from params (again when the configuration sets some).
    pub factory: Factory,
    /// Where the rule came from (a path, or `builtin:<file>`).
    pub origin: String,
    /// The rule file's text (to build the check again with configured params).
    pub text: String,
    /// The kinds of object the rule reads (`workloads`: every object with a pod template);
    /// empty: every object. The engine skips the others without calling the check.
    pub scope: Vec<String>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

/// A rule file that cannot be loaded, with the place that is wrong.
#[derive(Debug)]
pub struct LoadError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.origin, self.line, self.column, self.message
        )
    }
}

const RULE_KEYS: &[&str] = &[
    "id",
    "severity",
    "enabled",
    "responsibility",
    "summary",
    "rationale",
    "remediation",
    "check",
    "params",
    "scope",
    "examples",
];

/// The place in the rule file of ` at L:C: ...` (a place in a param's text): the text's
/// line L is found in the source of the value (plain, quoted or block), then C characters in.
fn inside(source: &str, value: NodeRef, rest: &str) -> Option<Span> {
    let (line, column) = rest
        .strip_prefix(" at ")?
        .split_once(':')
        .and_then(|(l, r)| {
            let (c, _) = r.split_once(':')?;
            Some((l.parse::<usize>().ok()?, c.parse::<usize>().ok()?))
        })?;
    let text = value.as_str()?;
    let lines: Vec<&str> = text.lines().collect();
    // Past the end (`<EOF>` after a trailing newline): the end of the last written line.
    let (wanted, col) = match lines.get(line.checked_sub(1)?) {
        Some(l) if !l.trim().is_empty() => (
            *l,
            l.char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(i, _)| i),
        ),
        _ => {
            let last = lines.iter().rev().find(|l| !l.trim().is_empty())?;
            (*last, last.len())
        }
    };
    let span = value.span();
    let at = source.get(span.start..span.end)?.find(wanted)?;
    let start = span.start + at + col;
    Some(Span::new(start, start))
}

/// Load one rule file. `lookup` maps a check name to its factory.
pub fn load_rule(
    origin: &str,
    text: &str,
    lookup: impl Fn(&str) -> Option<Factory>,
) -> Result<Rule, LoadError> {
    let source = SourceFile::new(origin, text);
    let err = |span: Span, message: String| {
        let (line, column) = source.position(span.start);
        LoadError {
            origin: origin.to_string(),
            line,
            column,
            message,
        }
    };
    let stream = yaml::parse(text);
    if let Some(e) = stream.errors.first() {
        return Err(err(Span::new(e.offset, e.offset), e.message.clone()));
    }
    let doc: &Document = stream
        .documents
        .first()
        .ok_or_else(|| err(Span::default(), "empty rule file".into()))?;
    let root = NodeRef::root(doc)
        .filter(|r| r.is_map())
        .ok_or_else(|| err(Span::default(), "a rule file is a mapping".into()))?;
    if let Some(dup) = doc.duplicates.first() {
        let span = NodeRef::new(doc, dup.second).span();
        return Err(err(span, "duplicate key".into()));
    }
    for (k, _) in root.entries() {
        let name = k.as_str().unwrap_or("");
        if !RULE_KEYS.contains(&name) {
            return Err(err(k.span(), format!("unknown field `{name}`")));
        }
    }
    let text_field = |key: &str| -> Result<String, LoadError> {
        let v = root
            .get(key)
            .ok_or_else(|| err(root.span(), format!("missing field `{key}`")))?;
        match v.as_str() {
            Some(s) if !s.trim().is_empty() && v.scalar_type() == Some(yaml::ScalarType::Str) => {
                Ok(s.trim_end().to_string())
            }
            _ => Err(err(v.span(), format!("`{key}` must be a non-empty string"))),
        }
    };
    let id = text_field("id")?;
    let sev_node = root.get("severity");
    let severity = text_field("severity")?
        .parse::<Severity>()
        .map_err(|m| err(sev_node.map(|n| n.span()).unwrap_or_default(), m))?;
    let enabled = match root.get("enabled") {
        None => true,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| err(v.span(), "`enabled` must be true or false".into()))?,
    };
    let check_name = text_field("check")?;
    let factory = lookup(&check_name).ok_or_else(|| {
        err(
            root.get("check").map(|n| n.span()).unwrap_or_default(),
            format!("no check named `{check_name}`"),
        )
    })?;
    let params = Params::new(root.get("params"));
    let check = factory(&params).map_err(|m| {
        // `param `pattern` ...`: point at that param when it is written; `param `expression`
        // at 2:7: ...`: at that place of its text.
        let named = m
            .strip_prefix("param `")
            .and_then(|r| r.split_once('`'))
            .and_then(|(k, rest)| params.node.and_then(|n| n.entry(k)).map(|e| (e, rest)));
        let span = named
            .map(|((k, v), rest)| inside(text, v, rest).unwrap_or_else(|| k.span().to(v.span())));
        err(
            span.or(params.node.map(|n| n.span()))
                .unwrap_or(root.span()),
            format!("params of check `{check_name}`: {m}"),
        )
    })?;
    let scope = match root.get("scope") {
        None => Vec::new(),
        Some(v) => v
            .items()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .filter(|l| v.is_seq() && !l.is_empty())
            .ok_or_else(|| {
                err(
                    v.span(),
                    "`scope` is a list of kinds (`Deployment`, `Service`) or `workloads`".into(),
                )
            })?,
    };
    // `workload`, `apps/v1/Deployment`, `deployments`: not kinds, the rule would never run.
    if let Some(bad) = root.get("scope").and_then(|v| {
        v.items().find(|i| {
            i.as_str()
                .is_some_and(|k| k != "workloads" && !is_kind_name(k))
        })
    }) {
        return Err(err(
            bad.span(),
            format!(
                "`{}` is not a kind: `scope` lists kinds as objects write them (`Deployment`, `Service`) or `workloads` (every object that runs pods)",
                bad.as_str().unwrap_or("")
            ),
        ));
    }
    let examples = root.get("examples");
    let example = |k: &str| {
        examples
            .and_then(|e| e.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Ok(Rule {
        severity,
        enabled,
        responsibility: text_field("responsibility")?,
        summary: text_field("summary")?,
        rationale: text_field("rationale")?,
        remediation: text_field("remediation")?,
        example_fail: example("fail"),
        example_pass: example("pass"),
        check,
        factory,
        check_name,
        origin: origin.to_string(),
        text: text.to_string(),
        scope,
        id,
    })
}

impl Rule {
    /// `file:line:column` of a top-level field of the rule file (of the file, when absent).
    pub fn located(&self, field: &str) -> String {
        let stream = yaml::parse(&self.text);
        let span = stream
            .documents
            .first()
            .and_then(NodeRef::root)
            .and_then(|r| r.entry(field))
            .map(|(k, _)| k.span())
            .unwrap_or_default();
        let (line, column) =
            SourceFile::new(self.origin.as_str(), self.text.as_str()).position(span.start);
        format!("{}:{line}:{column}", self.origin)
    }

    /// Does the rule read this object (its `scope`)? `workload`: the object runs pods (the
    /// engine knows it from the pod view it built, so it is not looked up again per rule).
    pub fn applies_to(&self, res: &Resource, workload: bool) -> bool {
        self.scope.is_empty()
            || self
                .scope
                .iter()
                .any(|k| k == res.kind || (k == "workloads" && workload))
    }

    /// Build the check again with `params` (from the configuration) over the rule file's.
    pub fn configure(&mut self, params: NodeRef) -> Result<(), String> {
        let factory = self.factory;
        let stream = yaml::parse(&self.text);
        let own = stream
            .documents
            .first()
            .and_then(NodeRef::root)
            .and_then(|r| r.get("params"));
        let p = Params {
            node: Some(params),
            under: own,
        };
        self.check = factory(&p)?;
        Ok(())
    }
}

/// `Deployment`, `PodDisruptionBudget`: the shape of a kind (`scope`, `reads`).
pub fn is_kind_name(k: &str) -> bool {
    k.starts_with(|c: char| c.is_ascii_uppercase()) && k.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `` `a`, `b` `` for messages.
pub fn code_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|i| format!("`{}`", i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
