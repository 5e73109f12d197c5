//! invalid-manifest: an object the API server would refuse: no name, a field of the
//! wrong type (as YAML 1.1 types it), or the same key twice.

use super::{base64_decode, is_placeholder};
use crate::object::{Resource, is_list, is_templated};
use crate::rule::{Check, Cx, FileFacts, Hit, Params};
use crate::yaml::{Document, Duplicate, NodeRef, ScalarType, Style};

struct InvalidManifest;

pub fn build(p: &Params) -> Result<Box<dyn Check>, String> {
    p.only(&[])?;
    Ok(Box::new(InvalidManifest))
}

#[derive(Clone, Copy, PartialEq)]
enum Want {
    Str,
    Int,
    Bool,
    Map,
    Seq,
    /// A map whose values are strings (labels, annotations, ConfigMap data).
    StrMap,
}

impl Want {
    fn describe(self) -> &'static str {
        match self {
            Want::Str => "a string",
            Want::Int => "an integer",
            Want::Bool => "a boolean",
            Want::Map | Want::StrMap => "a mapping",
            Want::Seq => "a list",
        }
    }
}

fn found(n: NodeRef) -> String {
    match n.scalar_type() {
        Some(ScalarType::Str) => format!("the string {:?}", n.as_str().unwrap_or("")),
        Some(t) => format!("{} ({})", t.describe(), n.as_str().unwrap_or("null")),
        None if n.is_map() => "a mapping".into(),
        None => "a list".into(),
    }
}

struct Typer<'r, 'a> {
    res: &'r Resource<'a>,
    out: &'r mut Vec<Hit>,
}

impl Typer<'_, '_> {
    /// Check `node.key` if present; return the value when it has the wanted type.
    fn field<'a>(
        &mut self,
        node: Option<NodeRef<'a>>,
        path: &str,
        key: &str,
        want: Want,
    ) -> Option<NodeRef<'a>> {
        let (k, v) = node?.entry(key)?;
        if v.is_null() || v.as_str().is_some_and(is_templated) {
            return None;
        }
        let full = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        let ok = match want {
            Want::Str => v.scalar_type() == Some(ScalarType::Str),
            // kubectl converts YAML to JSON first, which writes `3.0` as `3`.
            Want::Int => {
                v.scalar_type() == Some(ScalarType::Int)
                    || (v.scalar_type() == Some(ScalarType::Float)
                        && v.as_str()
                            .and_then(|t| t.replace('_', "").parse::<f64>().ok())
                            .is_some_and(|f| f.is_finite() && f.fract() == 0.0))
            }
            Want::Bool => v.scalar_type() == Some(ScalarType::Bool),
            Want::Map | Want::StrMap => v.is_map(),
            Want::Seq => v.is_seq(),
        };
        if !ok {
            let quoted = matches!(v.style(), Some(Style::SingleQuoted | Style::DoubleQuoted));
            let quote_hint = if want == Want::Int
                && quoted
                && v.as_str().is_some_and(|s| s.trim().parse::<i64>().is_ok())
            {
                " (remove the quotes)"
            } else {
                ""
            };
            self.out.push(
                Hit::new(
                    k.span().to(v.span()),
                    format!(
                        "`{full}` of {} must be {}, not {}{quote_hint}",
                        self.res.display(),
                        want.describe(),
                        found(v)
                    ),
                )
                .label(format!("expected {}", want.describe())),
            );
            return None;
        }
        if want == Want::StrMap {
            for (ik, iv) in v.entries() {
                if iv.is_null()
                    || iv.scalar_type() == Some(ScalarType::Str)
                    || iv.as_str().is_some_and(is_templated)
                {
                    continue;
                }
                let name = ik.as_str().unwrap_or("?");
                // `labels["app.kubernetes.io/version"]`: a dotted key is not a path.
                let shown = if name.contains(['.', '/']) {
                    format!("{full}[\"{name}\"]")
                } else {
                    format!("{full}.{name}")
                };
                self.out.push(
                    Hit::new(
                        iv.span(),
                        format!(
                            "`{shown}` of {} must be a string, not {}",
                            self.res.display(),
                            found(iv)
                        ),
                    )
                    .label("Kubernetes reads YAML 1.1: quote this value")
                    .help(format!("write `{name}: \"{}\"`", iv.as_str().unwrap_or(""))),
                );
            }
        }
        Some(v)
    }

    /// A list item that must be a mapping (`- name: X` written as `- X=1`, say).
    fn item_map(&mut self, item: NodeRef, path: &str) -> bool {
        if item.is_map() || item.is_null() {
            return item.is_map();
        }
        self.out.push(
            Hit::new(
                item.span(),
                format!(
                    "`{path}` of {} must be a mapping, not {}",
                    self.res.display(),
                    found(item)
                ),
            )
            .label("expected a mapping"),
        );
        false
    }

    fn pod_spec(&mut self, spec: NodeRef, path: &str) {
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            self.field(Some(spec), path, key, Want::Bool);
        }
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(cs) = self.field(Some(spec), path, list, Want::Seq) else {
                continue;
            };
            for (i, c) in cs.items().enumerate() {
                let cp = format!("{path}.{list}[{i}]");
                if !self.item_map(c, &cp) {
                    continue;
                }
                self.field(Some(c), &cp, "name", Want::Str);
                self.field(Some(c), &cp, "image", Want::Str);
                if let Some(ports) = self.field(Some(c), &cp, "ports", Want::Seq) {
                    for (j, p) in ports.items().enumerate() {
                        let pp = format!("{cp}.ports[{j}]");
                        if self.item_map(p, &pp) {
                            self.field(Some(p), &pp, "containerPort", Want::Int);
                            self.field(Some(p), &pp, "hostPort", Want::Int);
                        }
                    }
                }
                if let Some(env) = self.field(Some(c), &cp, "env", Want::Seq) {
                    for (j, e) in env.items().enumerate() {
                        let ep = format!("{cp}.env[{j}]");
                        if self.item_map(e, &ep) {
                            self.field(Some(e), &ep, "name", Want::Str);
                            self.field(Some(e), &ep, "value", Want::Str);
                        }
                    }
                }
            }
        }
        if let Some(vols) = self.field(Some(spec), path, "volumes", Want::Seq) {
            for (i, v) in vols.items().enumerate() {
                let vp = format!("{path}.volumes[{i}]");
                if !self.item_map(v, &vp) {
                    continue;
                }
                self.field(Some(v), &vp, "name", Want::Str);
                for source in VOLUME_SOURCES {
                    self.field(Some(v), &vp, source, Want::Map);
                }
            }
        }
    }
}

/// Volume sources, each a mapping (`hostPath: /data` is refused).
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "persistentVolumeClaim",
    "configMap",
    "secret",
    "projected",
    "nfs",
    "csi",
    "ephemeral",
    "downwardAPI",
];

impl Check for InvalidManifest {
    /// Duplicate keys of a `kind: List` wrapper (its items are objects checked one by one).
    fn check_file(&self, file: &FileFacts, out: &mut Vec<Hit>) {
        for doc in &file.stream.documents {
            let Some(root) = NodeRef::root(doc) else {
                continue;
            };
            // A bare list of objects: kubectl wants one object per document or a `kind: List`.
            if root.is_seq() && root.items().any(is_object) {
                let first = root.items().next().map(|i| i.span()).unwrap_or(root.span());
                out.push(
                    Hit::new(first, "a YAML list of objects is not a Kubernetes document")
                        .label("kubectl cannot decode a top-level list")
                        .help("separate the objects with `---`, or wrap them in `apiVersion: v1`, `kind: List`, `items:`"),
                );
            }
            let is_list = is_list(root);
            // Objects without apiVersion or kind, at the top or among a `kind: List`'s items
            // (a typed list such as DeploymentList lends both to its items).
            let typed = root.get("kind").and_then(|k| k.as_str()) != Some("List");
            let candidates: Vec<_> = if is_list && typed {
                Vec::new()
            } else if is_list {
                root.get("items")
                    .map(|i| i.items().collect())
                    .unwrap_or_default()
            } else {
                vec![root]
            };
            for obj in candidates {
                if let Some(hit) = missing_type_meta(obj) {
                    out.push(hit);
                }
            }
            if !is_list {
                continue;
            }
            let items: Vec<_> = root
                .get("items")
                .map(|i| i.items().map(|n| n.span()).collect())
                .unwrap_or_default();
            for dup in &doc.duplicates {
                let s = NodeRef::new(doc, dup.second);
                let inside = items
                    .iter()
                    .any(|i| s.span().start >= i.start && s.span().end <= i.end);
                if inside {
                    continue;
                }
                out.push(duplicate_hit(doc, dup, "this List"));
            }
        }
    }

    fn check(&self, _cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
        // The same key twice inside this object.
        let span = res.root.span();
        let doc = res.root.doc;
        for dup in &doc.duplicates {
            let s = NodeRef::new(doc, dup.second);
            if s.span().start < span.start || s.span().end > span.end {
                continue;
            }
            out.push(duplicate_hit(doc, dup, &res.display()));
        }

        let mut t = Typer { res, out };
        let meta = t.field(Some(res.root), "", "metadata", Want::Map);
        if let Some(m) = meta {
            for key in ["name", "generateName", "namespace"] {
                t.field(Some(m), "metadata", key, Want::Str);
            }
            t.field(Some(m), "metadata", "labels", Want::StrMap);
            t.field(Some(m), "metadata", "annotations", Want::StrMap);
        }
        // Reviews (SubjectAccessReview, TokenReview) are asked for, never stored: no name.
        if res.name.is_none_or(str::is_empty) && !res.kind.ends_with("Review") {
            // Blame the empty `name:` key, else its parent `metadata:`, else the document.
            let meta = res.root.entry("metadata");
            let span = meta
                .and_then(|(_, m)| m.entry("name"))
                .map(|(k, v)| k.span().to(v.span()))
                .or(meta.map(|(k, _)| k.span()))
                .unwrap_or_else(|| res.start_span());
            t.out.push(
                Hit::new(
                    span,
                    format!("{} {} has no metadata.name", res.api_version, res.kind),
                )
                .label("every object needs `metadata.name` (or `generateName`)"),
            );
        }
        if res.replicas().is_some() {
            t.field(res.root.get("spec"), "spec", "replicas", Want::Int);
        }
        if let Some(tpl) = res.pod_template() {
            let tp = template_path(res);
            let join = |k: &str| {
                if tp.is_empty() {
                    k.to_string()
                } else {
                    format!("{tp}.{k}")
                }
            };
            if !tp.is_empty()
                && let Some(meta) = t.field(Some(tpl), tp, "metadata", Want::Map)
            {
                t.field(Some(meta), &join("metadata"), "labels", Want::StrMap);
                t.field(Some(meta), &join("metadata"), "annotations", Want::StrMap);
            }
            if let Some(spec) = t.field(Some(tpl), tp, "spec", Want::Map) {
                t.pod_spec(spec, &join("spec"));
            }
        }
        if res.is("", "ConfigMap") {
            t.field(Some(res.root), "", "data", Want::StrMap);
            t.field(Some(res.root), "", "binaryData", Want::StrMap);
        }
        if res.is("", "Secret") {
            t.field(Some(res.root), "", "data", Want::StrMap);
            t.field(Some(res.root), "", "stringData", Want::StrMap);
        }
        // Secret `data` and ConfigMap `binaryData` must be padded base64.
        let encoded = match (res.group(), res.kind) {
            ("", "Secret") => Some("data"),
            ("", "ConfigMap") => Some("binaryData"),
            _ => None,
        };
        for (k, v) in encoded
            .and_then(|f| res.root.get(f))
            .into_iter()
            .flat_map(|m| m.entries())
        {
            let Some(text) = v.as_str() else { continue };
            if base64_decode(text).is_none() && !is_templated(text) && !is_placeholder(text) {
                let key = k.as_str().unwrap_or("?");
                t.out.push(
                    Hit::new(
                        v.span(),
                        format!(
                            "`{}.{key}` of {} is not valid base64",
                            encoded.unwrap_or(""),
                            res.display()
                        ),
                    )
                    .label("the API server cannot decode this value")
                    .help(if res.kind == "Secret" {
                        "put plain text under `stringData` instead (and encrypt the file), or encode it with `printf %s VALUE | base64`"
                    } else {
                        "encode the bytes with `base64`, or put text under `data`"
                    }),
                );
            }
        }
    }
}

fn duplicate_hit(doc: &Document, dup: &Duplicate, owner: &str) -> Hit {
    let (first, second) = (NodeRef::new(doc, dup.first), NodeRef::new(doc, dup.second));
    let key = second.as_str().unwrap_or("?");
    if dup.more > 0 {
        // Past the first few of a mapping, one finding counts the rest.
        let n = dup.more;
        return Hit::new(
            second.span(),
            format!("{n} more duplicate keys in this mapping of {owner}, from `{key}` on"),
        )
        .label(format!(
            "the first of {n} more duplicate keys not listed one by one"
        ))
        .help("keep one entry per key");
    }
    Hit::new(
        second.span(),
        format!("key `{key}` appears twice in {owner}"),
    )
    .label("duplicate key: strict field validation rejects it; kubectl would keep this later value")
    .related(first.span(), "first defined here")
    .help("keep one of the two entries")
}

/// A mapping with string `apiVersion` and `kind`.
fn is_object(n: NodeRef) -> bool {
    n.get("apiVersion").and_then(|v| v.as_str()).is_some()
        && n.get("kind").and_then(|v| v.as_str()).is_some()
}

/// An object that leaves out `apiVersion` or `kind` (with metadata, so not other YAML such
/// as Helm values): kubectl refuses it ("Object 'Kind' is missing").
fn missing_type_meta(obj: NodeRef) -> Option<Hit> {
    if !obj.get("metadata").is_some_and(|m| m.is_map()) {
        return None;
    }
    let help = "add the apiVersion and kind of the object (for example `apiVersion: apps/v1` and `kind: Deployment`)";
    match (obj.entry("apiVersion"), obj.entry("kind")) {
        (None, Some((k, v))) => {
            let kind = v
                .as_str()
                .filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))?;
            Some(
                Hit::new(
                    k.span().to(v.span()),
                    format!("this {kind} has no apiVersion"),
                )
                .label("an object needs `apiVersion` and `kind`")
                .help(help),
            )
        }
        (Some((k, v)), None) => Some(
            Hit::new(k.span().to(v.span()), "this object has no kind")
                .label("an object needs `apiVersion` and `kind`")
                .help(help),
        ),
        _ => None,
    }
}

/// Where the pod template sits: "" for a Pod, `spec.template`, ...
fn template_path(res: &Resource) -> &'static str {
    match res.kind {
        "Pod" => "",
        "CronJob" => "spec.jobTemplate.spec.template",
        "PodTemplate" => "template",
        _ => "spec.template",
    }
}
