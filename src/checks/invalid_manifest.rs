//! invalid-manifest: an object the API server would refuse: no name, a field of the
//! wrong type (as YAML 1.1 types it), or the same key twice.

use crate::object::{Resource, is_list, is_templated};
use crate::pod::{ContainerList, PodView};
use crate::rule::{Check, Cx, Factory, FileFacts, Hit, Params};
use crate::secrets::{base64_decode, is_placeholder};
use crate::yaml::{Document, Duplicate, NodeRef, ScalarType, Style};

struct InvalidManifest;

pub const CHECKS: &[(&str, Factory)] = &[("invalid-manifest", build)];

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
        // Built only for a message: most fields are right.
        let full = || {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
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
                        "`{}` of {} must be {}, not {}{quote_hint}",
                        full(),
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
                    format!("{}[\"{name}\"]", full())
                } else {
                    format!("{}.{name}", full())
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

    /// The pod spec's fields; its containers are the pod view's (the lists and items that
    /// are not what the view reads are reported here).
    fn pod_spec(&mut self, spec: NodeRef, path: &str, pod: Option<&PodView>) {
        for key in ["hostNetwork", "hostPID", "hostIPC"] {
            self.field(Some(spec), path, key, Want::Bool);
        }
        for list in ContainerList::ALL {
            let Some(cs) = self.field(Some(spec), path, list.key(), Want::Seq) else {
                continue;
            };
            for (i, c) in cs.items().enumerate() {
                if !c.is_map() {
                    self.item_map(c, &format!("{path}.{}[{i}]", list.key()));
                }
            }
        }
        for c in pod.into_iter().flat_map(|p| &p.containers) {
            let cp = format!("{path}.{}[{}]", c.list.key(), c.index);
            let c = c.node;
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

    fn check(&self, cx: &Cx, res: &Resource, out: &mut Vec<Hit>) {
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
        if let Some(hit) = bad_name(res) {
            t.out.push(hit);
        }
        if let Some(hit) = wrong_group(res) {
            t.out.push(hit);
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
                t.pod_spec(spec, &join("spec"), cx.pod);
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

/// The name rules the API server applies to the kinds onus knows (`ValidateObjectMeta`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameRule {
    /// DNS-1123 subdomain: lowercase alphanumerics, `-` and `.`, at most 253.
    Subdomain,
    /// DNS-1123 label: lowercase alphanumerics and `-`, at most 63.
    Label,
    /// DNS-1035 label: a label that starts with a letter (Services).
    Label1035,
}

fn name_rule(group: &str, kind: &str) -> Option<(NameRule, usize)> {
    use NameRule::*;
    Some(match (group, kind) {
        ("", "Service") => (Label1035, 63),
        ("", "Namespace") => (Label, 63),
        // A CronJob's name gets an 11-character suffix for its Jobs.
        ("batch", "CronJob") => (Subdomain, 52),
        (
            "",
            "Pod"
            | "ConfigMap"
            | "Secret"
            | "PersistentVolumeClaim"
            | "PersistentVolume"
            | "ServiceAccount"
            | "ReplicationController",
        )
        | ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job")
        | ("networking.k8s.io", "Ingress" | "NetworkPolicy" | "IngressClass")
        | ("policy", "PodDisruptionBudget")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("storage.k8s.io", "StorageClass") => (Subdomain, 253),
        _ => return None,
    })
}

/// Why `name` breaks the rule, if it does.
fn name_problem(name: &str, rule: NameRule, max: usize) -> Option<String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.len() > max {
        return Some(format!("longer than {max} characters"));
    }
    let allowed = |c: char| alnum(c) || c == '-' || (rule == NameRule::Subdomain && c == '.');
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Some(if c.is_ascii_uppercase() {
            "has upper-case letters".to_string()
        } else {
            format!("holds `{c}`")
        });
    }
    if rule == NameRule::Label1035 && !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("does not start with a letter".into());
    }
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Some("does not start and end with a letter or digit".into());
    }
    if rule == NameRule::Subdomain
        && name
            .split('.')
            .any(|part| !part.starts_with(alnum) || !part.ends_with(alnum))
    {
        return Some(
            "has a dot-separated part that does not start and end with a letter or digit".into(),
        );
    }
    None
}

/// A name left for a tool or a person to fill in: `PV_NAME`, `web-<node-hostname>`, Helm's
/// `RELEASE-NAME-web` (what `helm template` writes without a release name).
fn stand_in_name(name: &str) -> bool {
    let upper_ident = name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
    upper_ident || name.contains(['<', '>']) || name.contains("RELEASE-NAME")
}

/// A name the API server refuses (`my_secret`, Service `front_end`).
fn bad_name(res: &Resource) -> Option<Hit> {
    let (rule, max) = name_rule(res.group(), res.kind)?;
    let (_, v) = res.metadata()?.entry("name")?;
    let name = v.as_str()?;
    // Not `is_placeholder`: its prose test would take `my_secret` for documentation.
    if name.is_empty() || is_templated(name) || name.starts_with('$') || stand_in_name(name) {
        return None;
    }
    let problem = name_problem(name, rule, max)?;
    let what = match rule {
        NameRule::Subdomain => "a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`)",
        NameRule::Label => "a DNS-1123 label (lowercase letters, digits and `-`)",
        NameRule::Label1035 => {
            "a DNS-1035 label (a lowercase letter, then letters, digits and `-`)"
        }
    };
    let fixed: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || (c == '.' && rule == NameRule::Subdomain) {
                c
            } else {
                '-'
            }
        })
        .collect();
    Some(
        Hit::new(
            v.span(),
            format!("the name `{name}` of this {} {problem}", res.kind),
        )
        .label(format!(
            "the API server refuses it: a {} name is {what}",
            res.kind
        ))
        .help(format!(
            "rename it, for example `{}`",
            fixed.trim_matches(['-', '.'])
        )),
    )
}

/// The API group each built-in kind belongs to (the core group is "").
const BUILTIN_GROUPS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "Namespace",
            "PersistentVolumeClaim",
            "PersistentVolume",
            "ServiceAccount",
            "ReplicationController",
            "LimitRange",
            "ResourceQuota",
            "Endpoints",
        ],
    ),
    (
        "apps",
        &[
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ControllerRevision",
        ],
    ),
    ("batch", &["Job", "CronJob"]),
    (
        "networking.k8s.io",
        &["Ingress", "NetworkPolicy", "IngressClass"],
    ),
    (
        "rbac.authorization.k8s.io",
        &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
    ),
    ("policy", &["PodDisruptionBudget"]),
    ("autoscaling", &["HorizontalPodAutoscaler"]),
    (
        "storage.k8s.io",
        &["StorageClass", "CSIDriver", "VolumeAttachment"],
    ),
];

/// A built-in kind under another built-in group (`apiVersion: apps/v1` with `kind: Pod`):
/// the API server knows no such type. Other groups may define kinds of the same name.
fn wrong_group(res: &Resource) -> Option<Hit> {
    let group = res.group();
    if !BUILTIN_GROUPS.iter().any(|(g, _)| *g == group) {
        return None;
    }
    let (home, _) = BUILTIN_GROUPS
        .iter()
        .find(|(_, kinds)| kinds.contains(&res.kind))?;
    if *home == group {
        return None;
    }
    let version = if home.is_empty() {
        "v1".to_string()
    } else {
        format!("{home}/v1")
    };
    let (k, v) = res.root.entry("apiVersion")?;
    Some(
        Hit::new(
            k.span().to(v.span()),
            format!(
                "{} is not a kind of {}: it belongs to {version}",
                res.kind, res.api_version
            ),
        )
        .label("no such type: the API server refuses the object")
        .help(format!("write `apiVersion: {version}`")),
    )
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
